/** Write command results: stdout, or a file written aside then renamed (never half-written). */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { wrapError } from '../core/index.ts';

export async function writeResult(file: string | undefined, content: string, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (file === undefined || file === '-') {
    await new Promise<void>((resolve, reject) => {
      stdout.write(content, (err) => (err ? reject(err) : resolve()));
    });
    return;
  }
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw wrapError(err, 'IO_ERROR', `cannot write ${file}`);
  }
}
