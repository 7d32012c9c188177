// Model 1 of the paper: the last layer's hidden state at the last real token (the appended EOS).
import { gatherLast, registerPooling, type Pooling } from './pooling.ts';

export const eosLastPooling = {
  name: 'eos-last',
  description: 'hidden state of the last real token (EOS) of the last layer',
  create(): Pooling {
    return { name: 'eos-last', options: {}, variables: {}, pool: ({ hiddenStates, lastIndex }) => gatherLast(hiddenStates.at(-1)!, lastIndex) };
  },
};
registerPooling(eosLastPooling);
