/**
 * A problem the user can fix (a bad option, config, ledger or path; git refusing; a file outside the repository):
 * the command ends with its message and exit 2 (DESIGN §7), never a stack trace. Each kind has its own class, all
 * of them this one, so that the CLI's entry knows them without loading the modules they come from.
 */
export class UserError extends Error {}
