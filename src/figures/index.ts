// The figures of the study: pure builders returning Plotly JSON, plus PNG/SVG export.
export type { Figure, Trace, Layout } from './figure.ts';
export { designColor, setDesignColor, DESIGN_COLORS, USER_COLORS, baseLayout } from './figure.ts';
export { lossCurvesFigure, type LossCurve, type LossPoint } from './loss-curves.ts';
export { categoryScoresFigure, type CategoryScores, type Interval } from './category-scores.ts';
export { differenceHeatmapFigure, signedFixed, divergingColor, DIVERGING, type DifferenceTable } from './difference-heatmap.ts';
export { datasetScoresFigure, PAGE_WIDTH_PX, type DatasetScores, type DatasetScoresOptions } from './dataset-scores.ts';
export { layerSpearmanFigure, type LayerSeries } from './layer-spearman.ts';
export { layerNormsFigure, type LayerWeights } from './layer-norms.ts';
export { readLossJsonl, readLossCurves, trainedDesignsIn } from './inputs.ts';
export { exportFigures, chromiumPath, plotlyJsPath, withPngDpi, CHROMIUM_ARGS, CSS_PX_PER_INCH, EXPORT_DPI, EXPORT_FORMATS, type ExportOptions, type ImageFormat } from './export.ts';
