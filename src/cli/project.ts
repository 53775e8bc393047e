/** The repository a command works on and its config: loaded when a command runs (config/load.ts is not light). */
import { loadConfig, type Config } from '../config/load.js';
import { scanRoot } from './common.js';

export function project(path: string | undefined, opts: { config?: string }): { root: string; config: Config } {
  const root = scanRoot(path);
  return { root, config: loadConfig(root, opts.config) };
}

