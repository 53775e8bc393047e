import picomatch from 'picomatch';
import { IMPORT_FORMS } from '../../src/facts/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { asList, describeForms, importForms } from '../shared.js';

/** service names; globs allowed */
const serviceRefs = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ],
  description: 'Service names; globs allowed ("*" is every service).',
} as const;

export default defineRule({
  meta: {
    id: 'cross-service-import',
    category: 'boundaries',
    scope: 'file',
    reads: ['imports'],
    defaultSeverity: 'error',
    summary: "A service imports another service's code (or repo code outside every service) without an allow entry.",
    options: {
      allow: {
        type: 'array',
        default: [],
        description: 'Which services may import which. Everything not allowed is reported.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            from: serviceRefs,
            to: serviceRefs,
            in: { enum: ['all', 'production', 'tests'], default: 'all', description: 'Limit the exception to test code or to production code.' },
            forms: { type: 'array', items: { enum: IMPORT_FORMS }, description: 'Limit the exception to imports written in one of these forms.' },
            reason: { type: 'string', description: 'Why the exception is right.' },
          },
        },
      },
      ignoreForms: importForms('Import forms never reported (for example type-checking, type-only).'),
      unowned: {
        enum: ['report', 'production', 'ignore'],
        // repo code in no service (tooling, scripts) is present wherever tests run; it is missing where services deploy
        default: 'production',
        description:
          'An import from a service into repo code that belongs to no service (tooling, scripts): reported from production code (default), from all code (report), or never (ignore).',
      },
    },
  },
  run(ctx) {
    const opts = ctx.options;
    const allow = opts.allow.map((a) => ({
      from: picomatch(asList(a.from)),
      to: picomatch(asList(a.to)),
      in: a.in,
      forms: a.forms,
    }));
    const ignore = new Set(opts.ignoreForms);
    const { unowned } = opts;
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
            help: 'Move the code into a service or a library that may be imported, or set the unowned option if it is present where this service deploys.',
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
          help: `Call ${to.name} through its API, move the shared code into a library, or add an allow entry with a reason if the dependency is deliberate.`,
        });
      }
    }
  },
});
