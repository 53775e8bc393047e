import picomatch from 'picomatch';
import type { ImportForm } from '../../src/facts/facts.js';
import type { Rule } from '../../src/engine/rule.js';
import { asList, describeForms } from '../shared.js';

export interface AllowEntry {
  from: string | string[];
  to: string | string[];
  in?: 'all' | 'production' | 'tests';
  forms?: ImportForm[];
  reason?: string;
}

interface Options {
  allow?: AllowEntry[];
  ignoreForms?: ImportForm[];
  unowned?: 'report' | 'production' | 'ignore';
}

const rule: Rule = {
  meta: {
    id: 'cross-service-import',
    category: 'boundaries',
    scope: 'file',
    defaultSeverity: 'error',
    summary: "A service imports another service's code (or repo code outside every service) without an allow entry.",
  },
  run(ctx) {
    const opts = ctx.options as Options;
    const allow = (opts.allow ?? []).map((a) => ({
      from: picomatch(asList(a.from)),
      to: picomatch(asList(a.to)),
      in: a.in ?? 'all',
      forms: a.forms,
    }));
    const ignore = new Set(opts.ignoreForms ?? []);
    // repo code in no service (tooling, scripts) is present wherever tests run; it is missing where services deploy
    const unowned = opts.unowned ?? 'production';
    const { index } = ctx;
    for (const file of index.targets) {
      if (!file.service) continue;
      for (const imp of file.facts.imports) {
        if (imp.forms.some((f) => ignore.has(f))) continue;
        const target = index.resolve(file, imp);
        if (target.kind === 'external') continue;
        const to = target.service;
        if (to?.name === file.service) continue;
        // test support is the business of test-code-in-production (for production) and free for tests
        if (to?.kind === 'test-support') continue;
        if (!to) {
          if (unowned === 'ignore' || (unowned === 'production' && file.test) || !target.path) continue;
          ctx.report({
            path: file.path,
            line: imp.line,
            column: imp.column,
            subject: target.display,
            message: `${file.service} imports "${target.display}" (${describeForms(imp.forms)}) from ${target.path}, which belongs to no service`,
          });
          continue;
        }
        const permitted = allow.some(
          (a) =>
            a.from(file.service!) &&
            a.to(to.name) &&
            (a.in === 'all' || (a.in === 'tests') === file.test) &&
            (!a.forms || imp.forms.some((f) => a.forms!.includes(f))),
        );
        if (permitted) continue;
        ctx.report({
          path: file.path,
          line: imp.line,
          column: imp.column,
          subject: target.display,
          message: `${file.service} imports "${target.display}" from ${to.kind === 'library' ? 'library' : 'service'} ${to.name} (${describeForms(imp.forms)})`,
        });
      }
    }
  },
};

export default rule;
