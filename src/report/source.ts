/**
 * A file's source for reporters that show or hash code (SARIF regions and line hashes, HTML context): each file
 * read once, as the scan saw it (the work tree, or the staged content).
 */
import type { Workspace } from '../workspace/workspace.js';

export interface Source {
  text: string;
  lines: string[];
}

export function sources(workspace: Workspace): (path: string) => Source {
  const files = new Map<string, Source>();
  return (path) => {
    let s = files.get(path);
    if (!s) {
      let text = '';
      try {
        text = workspace.readFile(path).toString('utf8');
      } catch {
        // gone since the scan: no context rather than no report
      }
      s = { text, lines: text.split(/\r\n|\r|\n/) };
      files.set(path, s);
    }
    return s;
  };
}
