// Parsers of the raw clustering (20 Newsgroups posts) datasets: file bytes → records (./records.ts), each stated format
// rule counted in `quirks`. Below both the evaluation tasks (src/eval/tasks/clustering.ts) and the training triples.
import { DataFormatError, decodeUtf8OrCp1252, splitLines } from '../text.ts';

/** One Usenet post: the `Subject:` header of the header block (the lines before the first blank
 *  line; folded continuation lines are joined, whitespace runs collapsed), with leading reply
 *  markers `Re:` (any case, repeated) removed because they say nothing about the topic. Exactly
 *  one Subject header is required. Files that are not valid UTF-8 are decoded as Windows-1252 (Latin-1 superset). */
export function parseNewsgroupPost(bytes: Uint8Array, fileName: string): { subject: string; cp1252: boolean; reStripped: boolean } {
  const { text, encoding } = decodeUtf8OrCp1252(bytes);
  const lines = splitLines(text);
  const end = lines.findIndex((l) => l.trim() === '');
  const header = end === -1 ? lines : lines.slice(0, end);
  const subjects: { line: number; value: string }[] = [];
  header.forEach((l, i) => {
    if (/^subject:/i.test(l)) subjects.push({ line: i + 1, value: l.slice('subject:'.length) });
    else if (/^[ \t]/.test(l) && subjects.length > 0 && subjects[subjects.length - 1]!.line === i) {
      // RFC 822 folding: the continuation belongs to the header above it.
      const last = subjects[subjects.length - 1]!;
      last.value += ` ${l.trim()}`;
      last.line = i + 1;
    }
  });
  if (subjects.length !== 1) {
    throw new DataFormatError(fileName, subjects[1]?.line ?? 1, `${subjects.length} Subject: headers in the header block, expected 1`);
  }
  const raw = subjects[0]!.value.replace(/\s+/g, ' ').trim();
  const subject = raw.replace(/^(?:re\s*:\s*)+/i, '').trim();
  if (subject === '') throw new DataFormatError(fileName, subjects[0]!.line, 'empty Subject');
  return { subject, cp1252: encoding === 'cp1252', reStripped: subject !== raw };
}
