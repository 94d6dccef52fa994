/**
 * YAML for pnpm-lock.yaml and yarn berry's yarn.lock, through the `yaml` package with the
 * failsafe schema (every scalar stays a string, so `version: 1.10` is not the number 1.1),
 * duplicate keys tolerated (yarn berry has written them; the last one wins) and a bound on
 * alias expansion ("billion laughs").
 */
import { parseAllDocuments } from 'yaml';
import { FileParseError } from '../../generic/index.ts';

const MAX_ALIAS_COUNT = 100;
const MAX_DOCUMENTS = 16;

/** Every document of a YAML stream as plain data; throws FileParseError with the line of the first error. */
export function parseYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, prettyErrors: true });
  if (!Array.isArray(docs)) return [];
  if (docs.length > MAX_DOCUMENTS) throw new FileParseError(`${docs.length} YAML documents is over the limit of ${MAX_DOCUMENTS}`);
  const out: unknown[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw new FileParseError(`invalid YAML: ${err.message.split('\n')[0] ?? err.code}`, err.linePos?.[0].line);
    try {
      out.push(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (e) {
      throw new FileParseError(`invalid YAML: ${(e as Error).message.split('\n')[0] ?? ''}`, undefined, e);
    }
  }
  return out;
}
