import { defineRule } from '../../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'unused-suppression',
    category: 'hygiene',
    defaultSeverity: 'warning',
    summary: 'A comply-ignore that suppresses nothing, names no or an unknown rule, or gives no reason.',
    phase: 'after-suppressions',
    reads: ['suppressions'],
  },
  run(ctx) {
    for (const u of ctx.suppressions) {
      const { fact } = u;
      const unknown = fact.rules.filter((r) => !ctx.knownRules.has(r));
      let problem: [string, string] | undefined;
      if (fact.rules.length === 0) problem = ['names no rule', 'Write comply-ignore[rule-id]: reason.'];
      else if (unknown.length > 0) problem = [`names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, 'Name the rule ids it is for (`comply explain` lists them), or delete it.'];
      else if (!fact.reason) problem = ['has no reason, so it does not apply', `Write comply-ignore[${fact.rules.join(', ')}]: <why>.`];
      else if (!u.used) problem = [`suppresses nothing on line ${fact.target}`, 'Remove it.'];
      if (!problem) continue;
      ctx.report({
        path: u.path,
        line: fact.line,
        column: 0,
        subject: `comply-ignore[${fact.rules.join(',')}]@${fact.target - fact.line}`,
        message: `comply-ignore[${fact.rules.join(', ')}] ${problem[0]}`,
        help: problem[1],
      });
    }
  },
});
