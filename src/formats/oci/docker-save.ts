/**
 * The `manifest.json` of a `docker save` archive (moby image/tarexport, "legacy" format kept by
 * Docker 25+ next to an OCI layout): a JSON array of `{Config, RepoTags, Layers, LayerSources?,
 * Parent?}`, paths relative to the archive root. Paths are returned as written; the archive
 * reader checks them (no absolute paths, no `..`).
 */
import { VouchError } from '../../core/index.ts';
import { parseDescriptor, type Descriptor, type JsonObject } from './models.ts';

export interface DockerSaveEntry {
  /** Path of the image config in the archive (`<hex>.json` or `blobs/sha256/<hex>`). */
  readonly config: string;
  /** `name:tag` references; empty when the image was saved by id. */
  readonly repoTags: readonly string[];
  /** Paths of the layer tars, bottom first (`<id>/layer.tar` or `blobs/sha256/<hex>`). */
  readonly layers: readonly string[];
  /** Foreign layers' descriptors by diff id (Windows base layers). */
  readonly layerSources?: Readonly<Record<string, Descriptor>>;
  readonly parent?: string;
  readonly unknownFields?: JsonObject;
}

const KNOWN = ['Config', 'RepoTags', 'Layers', 'LayerSources', 'Parent'];

function invalid(where: string, reason: string): VouchError {
  return new VouchError('IMAGE_INVALID', `${where}: ${reason}`);
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw invalid(where, 'must be an array of strings');
  return value.map((v, i) => {
    if (typeof v !== 'string') throw invalid(`${where}[${i}]`, 'must be a string');
    return v;
  });
}

/** Parse `manifest.json`; at least one entry. Throws IMAGE_INVALID naming the field. */
export function parseDockerSaveManifest(value: unknown, where = 'manifest.json'): DockerSaveEntry[] {
  if (!Array.isArray(value)) throw invalid(where, 'must be a JSON array of images');
  if (value.length === 0) throw invalid(where, 'lists no images');
  return value.map((item: unknown, i): DockerSaveEntry => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(at, 'must be an object');
    const obj = item as JsonObject;
    if (typeof obj['Config'] !== 'string') throw invalid(`${at}.Config`, 'must be a string');
    if (obj['Layers'] === undefined) throw invalid(at, 'Layers is missing');
    const layers = strings(obj['Layers'], `${at}.Layers`);
    const repoTags = obj['RepoTags'] === undefined || obj['RepoTags'] === null ? [] : strings(obj['RepoTags'], `${at}.RepoTags`);
    let layerSources: Record<string, Descriptor> | undefined;
    if (obj['LayerSources'] !== undefined && obj['LayerSources'] !== null) {
      const ls = obj['LayerSources'];
      if (typeof ls !== 'object' || Array.isArray(ls)) throw invalid(`${at}.LayerSources`, 'must be an object');
      layerSources = {};
      for (const [k, v] of Object.entries(ls as JsonObject)) layerSources[k] = parseDescriptor(v, `${at}.LayerSources[${JSON.stringify(k)}]`);
    }
    if (obj['Parent'] !== undefined && typeof obj['Parent'] !== 'string') throw invalid(`${at}.Parent`, 'must be a string');
    let unknownFields: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(obj)) if (!KNOWN.includes(k)) (unknownFields ??= {})[k] = v;
    return {
      config: obj['Config'],
      repoTags,
      layers,
      ...(layerSources !== undefined && { layerSources }),
      ...(typeof obj['Parent'] === 'string' && { parent: obj['Parent'] }),
      ...(unknownFields !== undefined && { unknownFields }),
    };
  });
}
