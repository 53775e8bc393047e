import { defineRule } from '../../src/engine/rule.js';

const BODY = { pass: '`pass`', ellipsis: '`...`', 'not-implemented': 'a "not implemented" error', 'todo-return': 'a TODO `return`' } as const;

export default defineRule({
  meta: {
    id: 'stub-in-production',
    category: 'hygiene',
    scope: 'file',
    defaultSeverity: 'warning',
    summary: 'Production code that is a placeholder (a function whose body is only pass, ..., NotImplementedError or a TODO return) or that creates mocks.',
  },
  run(ctx) {
    for (const file of ctx.index.targets) {
      if (file.test || !file.service) continue;
      for (const fn of file.facts.functions) {
        if (!fn.stub || fn.abstract) continue;
        ctx.report({
          path: file.path,
          line: fn.line,
          column: 0,
          subject: fn.name,
          message: `${fn.name} is a placeholder: its body is only ${BODY[fn.stub]}`,
          help: 'Implement it, or mark it abstract (@abstractmethod, a Protocol) if subclasses must.',
        });
      }
      for (const m of file.facts.mocks) {
        ctx.report({
          path: file.path,
          line: m.line,
          column: m.column,
          subject: `mock:${m.target ?? m.kind}`,
          message: `production code creates a mock, ${m.call}`,
          help: 'Ship a real implementation or a null object, not a test double.',
        });
      }
    }
  },
});
