// Side-by-side children get one TensorFlow thread each, unless the user chose; a lone child is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childEnv } from '../src/backend/child-threads.ts';

test('childEnv: one thread per child only when several run at once, and never over the user', () => {
  const base = { PATH: '/bin', TF_NUM_INTEROP_THREADS: undefined };
  assert.equal(childEnv(1, base), base, 'one child: the environment as is');
  const two = childEnv(2, base);
  assert.equal(two.TF_NUM_INTRAOP_THREADS, '1');
  assert.equal(two.TF_NUM_INTEROP_THREADS, '1');
  assert.equal(two.PATH, '/bin');
  assert.equal(base.TF_NUM_INTEROP_THREADS, undefined, 'the parent environment is not changed');
  const user = childEnv(3, { TF_NUM_INTRAOP_THREADS: '2', TF_NUM_INTEROP_THREADS: '' });
  assert.equal(user.TF_NUM_INTRAOP_THREADS, '2', "the user's setting wins");
  assert.equal(user.TF_NUM_INTEROP_THREADS, '1', 'an empty value counts as unset');
  assert.throws(() => childEnv(0, base), /concurrent must be an integer >= 1, got 0/);
});
