/** The config's file name, at the root of the repository (a light module: every command's help names it). */
export const CONFIG_FILE = 'compliance.config.json';
