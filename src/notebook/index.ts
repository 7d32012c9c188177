// Everything a notebook needs from the project, behind one require:
//   const nb = require('../src/notebook/index.ts');
export { notebookContext, projectRoot, type NotebookContext } from './context.ts';
export { show, showTable, tableHtml, figureHtml, plotlyLibraryHtml, type TableOptions, escapeHtml } from './show.ts';
export { displayHtml, displayMarkdown, kernelDisplay } from './display.ts';
export { environmentInfo, installedVersion, type EnvironmentInfo } from './environment.ts';
export { configure, checkKernel, underTslab, configurationLine, type Configured } from './configure.ts';
export { registerDesign, type DesignSpec } from '../pooling/index.ts';
export { runCli, stageSpec, trainState, trainVerdict, ensureTrained, evalState, ensureEvaluated, ensureCompared, runCompare, studyDesigns, type TrainState, type EvalState, type StageOptions, type StageRow } from './stages.ts';
export { categoryComparison, commonTaskSet, describeTaskSet, type CategoryComparison, type TaskSet } from '../report/task-set.ts';
