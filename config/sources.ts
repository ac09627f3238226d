import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Reading config files: a directory of `.json`, `.yaml` and `.yml` files, each holding one
 * object or an array of them (YAML files may also hold several documents).
 */

export interface ConfigFile {
  /** the path relative to the config directory, shown in every message */
  name: string;
  content: string;
}

/** One declared object and where it came from, e.g. `groups/vip.json[2]`. */
export interface SourcedObject {
  source: string;
  value: unknown;
}

export interface ConfigIssue {
  /** the file and object, or the object's id */
  at: string;
  message: string;
}

const extensions = new Set(['.json', '.yaml', '.yml']);

/** Every config file under `dir`, in a stable order. */
export async function readConfigDir(dir: string): Promise<ConfigFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && extensions.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return Promise.all(
    files.map(async (file) => ({
      name: path.relative(dir, file),
      content: await readFile(file, 'utf8'),
    })),
  );
}

function parseOne(file: ConfigFile): unknown[] {
  if (path.extname(file.name).toLowerCase() === '.json') return [JSON.parse(file.content)];
  return parseAllDocuments(file.content).map((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0]!;
    return doc.toJS() as unknown;
  });
}

/** Parses files into objects; a file that does not parse is an issue naming the file. */
export function parseFiles(files: ConfigFile[]): {
  objects: SourcedObject[];
  issues: ConfigIssue[];
} {
  const objects: SourcedObject[] = [];
  const issues: ConfigIssue[] = [];
  for (const file of files) {
    let documents: unknown[];
    try {
      documents = parseOne(file);
    } catch (error) {
      issues.push({ at: file.name, message: `cannot parse: ${(error as Error).message}` });
      continue;
    }
    const values = documents.flatMap((d) => (Array.isArray(d) ? d : d == null ? [] : [d]));
    values.forEach((value, i) =>
      objects.push({ source: values.length > 1 ? `${file.name}[${i}]` : file.name, value }),
    );
  }
  return { objects, issues };
}
