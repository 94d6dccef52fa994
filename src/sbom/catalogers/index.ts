/** Every cataloger, in the order they run. Each ecosystem folder exports its own list. */
import type { Cataloger } from '../generic/index.ts';
import { catalogers as binary } from './binary/index.ts';
import { catalogers as dotnet } from './dotnet/index.ts';
import { catalogers as golang } from './golang/index.ts';
import { catalogers as java } from './java/index.ts';
import { catalogers as javascript } from './javascript/index.ts';
import { catalogers as os } from './os/index.ts';
import { catalogers as php } from './php/index.ts';
import { catalogers as python } from './python/index.ts';
import { catalogers as ruby } from './ruby/index.ts';
import { catalogers as rust } from './rust/index.ts';

export { detectDistro } from './os/index.ts';

export const ALL_CATALOGERS: readonly Cataloger[] = [
  ...os,
  ...javascript,
  ...python,
  ...golang,
  ...rust,
  ...binary,
  ...ruby,
  ...php,
  ...java,
  ...dotnet,
];
