import { FileParseError } from '../../generic/index.ts';

/** JSON.parse with the line of a syntax error (V8 reports a position, or line and column). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = /line (\d+)/.exec(msg);
    const at = pos ? text.slice(0, Number(pos[1])).split('\n').length : line ? Number(line[1]) : undefined;
    throw new FileParseError(`malformed JSON: ${msg}`, at, err);
  }
}
