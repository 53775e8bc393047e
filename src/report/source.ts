/** Source lines for reporters that show code (SARIF regions, HTML context): each file read once, as scanned. */
import type { Workspace } from '../workspace/workspace.js';

export function sourceLines(workspace: Workspace): (path: string) => string[] {
  const files = new Map<string, string[]>();
  return (path) => {
    let l = files.get(path);
    if (!l) {
      try {
        l = workspace.readFile(path).toString('utf8').split(/\r\n|\r|\n/);
      } catch {
        l = []; // gone since the scan: no context rather than no report
      }
      files.set(path, l);
    }
    return l;
  };
}
