// Masked mean of the last layer over real tokens (a reference row, not one of the paper's designs).
import { maskedMean, registerPooling, type Pooling } from './pooling.ts';

export const meanPooling = {
  name: 'mean',
  description: 'mean of the last layer over real tokens',
  create(): Pooling {
    return { name: 'mean', options: {}, variables: {}, pool: ({ hiddenStates, mask }) => maskedMean(hiddenStates.at(-1)!, mask) };
  },
};
registerPooling(meanPooling);
