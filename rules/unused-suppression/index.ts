import type { Rule } from '../../src/engine/rule.js';

const rule: Rule = {
  meta: {
    id: 'unused-suppression',
    category: 'hygiene',
    defaultSeverity: 'warning',
    summary: 'A comply-ignore that suppresses nothing, names no or an unknown rule, or gives no reason.',
    phase: 'after-suppressions',
  },
  run(ctx) {
    for (const u of ctx.suppressions) {
      const { fact } = u;
      const unknown = fact.rules.filter((r) => !ctx.knownRules.has(r));
      let problem: string | undefined;
      if (fact.rules.length === 0) problem = 'names no rule: write comply-ignore[rule-id]: reason';
      else if (unknown.length > 0) problem = `names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`;
      else if (!fact.reason) problem = `has no reason, so it does not apply: write comply-ignore[${fact.rules.join(', ')}]: <why>`;
      else if (!u.used) problem = `suppresses nothing on line ${fact.target}: remove it`;
      if (!problem) continue;
      ctx.report({
        path: u.path,
        line: fact.line,
        column: 0,
        subject: `comply-ignore[${fact.rules.join(',')}]@${fact.target - fact.line}`,
        message: `comply-ignore[${fact.rules.join(', ')}] ${problem}`,
      });
    }
  },
};

export default rule;
