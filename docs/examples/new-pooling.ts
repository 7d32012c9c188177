// A new pooling, as one cell of a notebook in notebooks/ (tslab kernel; 07-new-pooling walks through
// it). The pooling reads every layer's hidden states [batch, seq, dim] and the padding mask, and
// returns [batch, dim]. Its create() may use tf.* and src/pooling's helpers (ParamFactory, …) only:
// it is saved as source with the run, so every later stage rebuilds it from the run folder.
// registerDesign checks it at once on a tiny batch (a wrong shape or dtype is reported here). A constant
// of the cell used inside create fails there with "X is not defined" and the hint: define X inside create.
import * as tf from '@tensorflow/tfjs';
const nb = require('../src/notebook/index.ts');

const m7 = nb.registerDesign({
  name: 'm7', attention: 'bidirectional', layers: 'last',
  pooling: {
    name: 'max', description: 'max over real tokens of the last layer',
    create: () => ({
      name: 'max', options: {}, variables: {},
      pool: ({ hiddenStates, mask }: any) =>
        tf.max(tf.add(hiddenStates[hiddenStates.length - 1], tf.mul(tf.sub(1, mask), -1e9).expandDims(2)), 1),
    }),
  },
});
// Next cell: train it, evaluate it and compare it with m1–m6 in the run folder (as 07-new-pooling does):
//   const { ctx, profile } = nb.configure();
//   await nb.ensureTrained([...nb.studyDesigns(ctx.runDir), 'm7'], { runDir: ctx.runDir, profile: profile });
//   await nb.ensureEvaluated([...nb.studyDesigns(ctx.runDir), 'm7'], ['base-mean'], ['STSBenchmark'], { runDir: ctx.runDir, profile: profile, tasks: 'STSBenchmark' });
