/**
 * The command line, read like its help text: one module per command under src/cli/commands/, what they share in
 * src/cli/common.ts. Exit codes (DESIGN §7): 0 gate passed, 1 gate failed, 2 usage or configuration error,
 * 3 internal error. stdout holds the report (only JSON with --json); everything else goes to stderr.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
import { printable } from '../util/escape.js';
import { packageVersion } from '../util/package.js';
import * as concepts from './commands/concepts.js';
import * as doctor from './commands/doctor.js';
import * as explain from './commands/explain.js';
import * as init from './commands/init.js';
import * as installHook from './commands/install-hook.js';
import * as ledger from './commands/ledger.js';
import * as scan from './commands/scan.js';
import { defaultIo, EXIT, type Io } from './common.js';

export { EXIT } from './common.js';

const COMMANDS = [scan, concepts, ledger, init, doctor, installHook, explain];

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.ok;
  let debug = argv.includes('--debug');
  const program = new Command();
  program
    .name('comply')
    .description('Keep a polyglot monorepo honest about its architecture.')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces for internal errors')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  for (const command of COMMANDS) command.register(program, { io, exit: (c) => (code = c) });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    // a bad option, config, ledger or path, git refusing: said in one line (the modules that throw these are loaded
    // when a command runs)
    if (e instanceof UserError) {
      io.stderr(`comply: ${printable(e.message)}\n`);
      return EXIT.usage;
    }
    debug ||= Boolean(process.env.COMPLY_DEBUG);
    io.stderr(`comply: internal error: ${printable(String((e as Error).message))}\n${debug ? `${printable(String((e as Error).stack), { newlines: true })}\n` : 'Run again with --debug for the stack trace, and please report it.\n'}`);
    return EXIT.internal;
  }
}
