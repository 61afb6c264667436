// Reading a clinical data file: its text as JSON, or a problem ("cannot be read", "is not valid
// JSON") that each loader turns into its own error naming the file.
import { readFileSync } from 'node:fs';

export function readJsonData(path: string, fail: (problem: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(`is not valid JSON (${(err as Error).message})`);
  }
}
