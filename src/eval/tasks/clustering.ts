// Clustering tasks: mini-batch k-means on embeddings, scored by V-measure against the labels.
// MiniNewsgroups (Subject lines, as MTEB's TwentyNewsgroupsClustering), Banking77 test, AG News.
import { defaultDataStore, readDataFile } from '../../data/files.ts';
import { loadAgNewsCased, loadBanking77Split } from '../../data/datasets/classification.ts';
import { spread } from './sampling.ts';
import type { ClusteringData, ClusteringTask } from './types.ts';
import type { LabeledText, Quirks } from '../../data/datasets/records.ts';
import { parseNewsgroupPost } from '../../data/datasets/clustering.ts';

const NEWSGROUPS_DIR = 'data/clustering/mini_newsgroups/';

export const MiniNewsgroups: ClusteringTask = {
  name: 'MiniNewsgroups', category: 'Clustering', mainScore: 'v_measure', instructed: 'all',
  instruction: 'Identify the topic or theme of the given news articles',
  description: 'UCI mini 20 Newsgroups: 2,000 Subject lines, 20 groups × 100 (label = folder)',
  license: 'CC BY 4.0',
  async load(opts) {
    const manifest = await defaultDataStore().getManifest();
    const files = manifest.entries.map((e) => e.path).filter((p) => p.startsWith(NEWSGROUPS_DIR))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (files.length === 0) throw new Error(`no ${NEWSGROUPS_DIR} files in the data manifest`);
    const texts: string[] = [];
    const labels: string[] = [];
    const quirks: Quirks = { cp1252Files: 0, rePrefixStripped: 0 };
    for (const file of files) {
      const parts = file.slice(NEWSGROUPS_DIR.length).split('/');
      if (parts.length !== 2) throw new Error(`unexpected newsgroups path ${file} (expected <group>/<id>)`);
      const p = parseNewsgroupPost(await readDataFile(file), file);
      texts.push(p.subject);
      labels.push(parts[0]!);
      if (p.cp1252) quirks.cp1252Files! += 1;
      if (p.reStripped) quirks.rePrefixStripped! += 1;
    }
    return { ...limitItems(texts, labels, opts?.limit), quirks, files };
  },
};

function limitItems(texts: string[], labels: string[], limit: number | undefined): { texts: string[]; labels: string[] } {
  const idx = spread(texts.map((_, i) => i), limit);
  return { texts: idx.map((i) => texts[i]!), labels: idx.map((i) => labels[i]!) };
}

function fromRows(rows: LabeledText[], quirks: Quirks, files: string[], limit: number | undefined): ClusteringData {
  return { ...limitItems(rows.map((r) => r.text), rows.map((r) => r.label), limit), quirks, files };
}

export const Banking77Clustering: ClusteringTask = {
  name: 'Banking77Clustering', category: 'Clustering', mainScore: 'v_measure', instructed: 'all',
  instruction: 'Identify the intent of the given online banking query',
  description: 'Banking77 test split: 3,080 queries, 77 intents',
  license: 'CC BY 4.0',
  async load(opts) {
    const r = await loadBanking77Split('test');
    return fromRows(r.rows, r.quirks, r.files, opts?.limit);
  },
};

export const AGNewsClustering: ClusteringTask = {
  name: 'AGNewsClustering', category: 'Clustering', mainScore: 'v_measure', instructed: 'all',
  instruction: 'Identify the topic or theme of the given news articles',
  description: 'AG News test set (cased): 7,600 title + description texts, 4 topics',
  license: 'AG corpus terms, non-commercial research',
  async load(opts) {
    const r = await loadAgNewsCased();
    return fromRows(r.rows, r.quirks, r.files, opts?.limit);
  },
};

export const clusteringTasks: ClusteringTask[] = [MiniNewsgroups, Banking77Clustering, AGNewsClustering];
