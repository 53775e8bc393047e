/**
 * What the words around an empty function body say about it (its docstring, the comments in and above it, the
 * message of the error it raises): a placeholder still to be written, a contract for subclasses, or a deliberate
 * no-op. Shared by the language adapters, so that a rule never reads text (DESIGN §2).
 */
export type Intent = 'placeholder' | 'abstract' | 'deliberate';

/** a note that the body is unfinished: it wins over everything else (a `NotImplementedError("... not implemented")`
 * message only repeats the form, so "not implemented" alone is no such note) */
const UNFINISHED =
  /\b(?:TODO|FIXME|XXX|TBD)\b|\bnot yet (?:been )?implemented\b|\bnot implemented yet\b|\bimplement (?:me|this|later)\b|\bto be (?:done|written|added)\b|\bfor now\b|\bin a real implementation\b|\bplaceholder\b|\bfuture\b|\bnot (?:yet )?wired\b|\bcoming soon\b|\bstub\b(?![-\w])/i;

/** a contract: someone else (a subclass, a concrete implementation) supplies the body */
const ABSTRACT =
  /\b(?:subclass(?:es)?|child(?:ren)?(?: class(?:es)?)?|implementations?|concrete (?:class(?:es)?|types?|components?)|derived class(?:es)?)\s+(?:must|should|need to|are expected to|have to)\s+(?:implement|override|provide|define)\b|\b(?:must|should|would) be (?:implemented|overridden|overriden|provided|defined) (?:by|in) (?:a |each |the )?(?:subclass|child|derived|concrete|implementation)|\bto be (?:implemented|overridden|provided) by\b|\bimplemented (?:by|in) (?:the |each )?(?:subclass|child|derived|concrete)|\babstract\b|\bmust implement\b|\bmust override\b/i;

/** a hedge that the body is still to come ("this would query the metrics"): weaker than a contract */
const WOULD = /\bwould (?:typically |normally |eventually |actually )?(?:be|go|need|call|query|send|store|write|involve|do)\b/i;

/** a deliberate no-op, an optional hook, or a guard: the body is what it should be */
const DELIBERATE =
  /\bno[- ]?op\b|\bnoop\b|\bdoes nothing\b|\bdo nothing\b|\bnothing to (?:do|clean|close|release|flush|free|initiali[sz]e|set ?up|tear ?down)\b|\bintentional(?:ly)?\b|\bdeliberate(?:ly)?\b|\bon purpose\b|\bsafe to ignore\b|\b(?:is|are) ignored\b|\bhook\b|\b(?:may|can|could) (?:be )?overrid(?:e|den)\b|\boverride (?:this|it|as needed|if)\b|\bdefault implementation\b|\bby default\b|\boptional(?:ly)?\b|\bnot (?:needed|necessary|required|applicable|used)\b|\bno (?:\w+ )?(?:needed|necessary|required)\b|\bnothing (?:is )?(?:needed|required)\b|\bif (?:needed|necessary|required)\b|\bhandled (?:by|in|elsewhere|automatically)\b|\bdelegated\b|\bintegrated into\b|\bautomatically\b|\bcompat(?:ibility|ible)?\b|\bbackwards?[- ]compat|\blegacy\b|\bdeprecated\b|\bnot supported\b|\bunsupported\b|\bnull object\b|\bdummy\b|\b(?:implementation|subclass|provider|backend|service|transport)[- ]specific\b|\b(?:should|must) not be (?:called|used)\b|\bdo not (?:call|use)\b|\bnot meant to be (?:called|used)\b|\bcannot be (?:created|called|used|instantiated) (?:via|through|here|directly|from)\b|\buse \S+(?: \S+)? instead\b|\bany custom\b|\byour own\b|\bextension point\b/i;

/** What the texts around an empty body declare, if anything: an unfinished note wins, then a contract, then a
 * hedge ("would"), then a deliberate no-op. */
export function intentOf(texts: readonly string[]): Intent | undefined {
  const all = texts.join('\n');
  if (all.trim() === '') return undefined;
  if (UNFINISHED.test(all)) return 'placeholder';
  if (ABSTRACT.test(all)) return 'abstract';
  if (WOULD.test(all)) return 'placeholder';
  if (DELIBERATE.test(all)) return 'deliberate';
  return undefined;
}

/** A class named as a null object (`NullCache`, `NoOpTracer`, `NoopLogger`): its empty methods are its purpose. */
export function isNullObjectName(name: string): boolean {
  return /^_?(?:Null|No[Oo]p|Noop|Nop)[A-Z_]/.test(name);
}
