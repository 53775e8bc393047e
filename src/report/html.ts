/**
 * The HTML report (`--html FILE`): one self-contained file (inline CSS, script and data; nothing fetched when it is
 * viewed) with the verdict, the score table, a per-service chart, the SSOT inventory (the candidates of each concept
 * with their roles), and the findings grouped by rule and service with filters and a few lines of code around each
 * one.
 */
import { CATEGORIES, formatScore, type PopulationScores } from '../engine/scores.js';
import type { Review } from '../ledger/review.js';
import { packageVersion } from '../util/package.js';
import { conceptGroups, groupCounts } from './concepts.js';
import { sources, type Source } from './source.js';

/** findings past this many are listed without code context, to keep the file small */
export const HTML_CONTEXT_LIMIT = 3000;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function htmlReport(review: Review, source: (path: string) => Source = sources(review.result.workspace)): string {
  const lines = (path: string): string[] => source(path).lines;
  const findings = review.findings.map((f, i) => {
    const context =
      i < HTML_CONTEXT_LIMIT
        ? lines(f.path)
            .slice(Math.max(0, f.line - 3), f.line + 2)
            .map((text, k) => [Math.max(1, f.line - 2) + k, text.length > 300 ? `${text.slice(0, 300)}…` : text] as const)
        : [];
    return {
      rule: f.rule,
      severity: f.severity,
      path: f.path,
      line: f.line,
      message: f.message,
      help: f.help ?? '',
      service: f.service ?? '(no service)',
      test: f.test,
      baseline: f.suppressed ? 'suppressed' : f.baseline,
      context,
    };
  });
  const data = JSON.stringify({ findings }).replace(/</g, '\\u003c');

  const s = review.scores;
  const row = (name: string, p: PopulationScores): string =>
    `<tr><th scope="row">${esc(name)}</th>${[p.production, p.tests, p.all].map((x) => `<td>${formatScore(x)} <small>(${x.clean}/${x.files})</small></td>`).join('')}</tr>`;
  const services = s.byService.filter((x) => x.all.score !== null);
  const barH = 22;
  const chart = `<svg role="img" aria-label="Score per service" width="640" height="${services.length * barH + 10}" viewBox="0 0 640 ${services.length * barH + 10}">${services
    .map((x, i) => {
      const score = x.all.score ?? 0;
      const y = i * barH + 5;
      const color = score >= 90 ? '#2e7d32' : score >= 70 ? '#f9a825' : '#c62828';
      return `<g><text x="0" y="${y + 15}" font-size="13">${esc(x.service ?? '(no service)')}</text><rect x="190" y="${y + 3}" width="${(score / 100) * 380}" height="${barH - 8}" fill="${color}"><title>${esc(x.service ?? '(no service)')}: ${score}%</title></rect><text x="${195 + (score / 100) * 380}" y="${y + 15}" font-size="12">${score.toFixed(1)}%</text></g>`;
    })
    .join('')}</svg>`;
  const inventory = conceptGroups(review.result.concepts)
    .map((g) => {
      const rows = g.entries
        .map(
          (e) =>
            `<tr><td class="l">${esc(e.role)}</td><td class="l">${e.canonical ? 'canonical' : ''}</td><td class="l">${esc(e.name)}</td><td class="l loc">${esc(e.path)}:${e.line}</td><td class="l"><small>${esc(e.evidence.join('; '))}</small></td></tr>`,
        )
        .join('');
      return `<details${g.owners > 1 ? ' open' : ''}><summary>${esc(g.concept)} · ${esc(g.variant)} · ${esc(g.service ?? '(no service)')} <small>${esc(groupCounts(g))}</small></summary><table class="inv"><thead><tr><th class="l">role</th><th></th><th class="l">name</th><th class="l">location</th><th class="l">evidence</th></tr></thead><tbody>${rows}</tbody></table></details>`;
    })
    .join('\n');
  const options = (values: string[]): string => values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
  const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>comply report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1b1b1b}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:24px 0 8px}
.verdict{padding:10px 14px;border-radius:6px;font-weight:600}.pass{background:#e8f5e9;color:#1b5e20}.fail{background:#ffebee;color:#b71c1c}
table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}th[scope=row]{text-align:left;font-weight:500}
small{color:#666}.filters{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}select,input{font:inherit;padding:3px 6px}
details{border:1px solid #ddd;border-radius:6px;margin:6px 0;padding:4px 10px}summary{cursor:pointer;font-weight:600}
.finding{border-top:1px solid #eee;padding:6px 0}.finding .help{color:#555;font-size:13px}.finding .loc{font-family:ui-monospace,monospace;font-size:12px;color:#333}
.sev{display:inline-block;min-width:58px;font-size:12px;font-weight:600}.sev.error{color:#b71c1c}.sev.warning{color:#e65100}.sev.info{color:#0d47a1}
.tag{font-size:11px;border:1px solid #bbb;border-radius:8px;padding:0 6px;margin-left:6px;color:#555}
table.inv{width:100%}table.inv td,table.inv th.l{text-align:left;vertical-align:top}.loc{font-family:ui-monospace,monospace;font-size:12px}
pre{background:#f6f8fa;margin:4px 0;padding:6px 8px;overflow-x:auto;font-size:12px}pre .hit{background:#fff3bf;display:block}
</style>
</head>
<body>
<h1>comply report</h1>
<p><small>comply ${esc(packageVersion())} · ${review.result.files.length} files · ledger ${esc(review.ledger.path)}${review.ledger.found ? '' : ' (none)'}</small></p>
<div id="verdict" class="verdict ${review.gate.passed ? 'pass' : 'fail'}">${review.gate.passed ? 'Gate passed' : `Gate failed: ${esc(review.gate.reasons.join('; '))}`}</div>
<h2>Scores (clean files)</h2>
<table id="scores"><thead><tr><th></th><th>production</th><th>tests</th><th>all</th></tr></thead><tbody>
${row('overall', s.overall)}
${s.byService.map((x) => row(x.service ?? '(no service)', x)).join('\n')}
${CATEGORIES.map((c) => row(`category ${c}`, s.byCategory[c])).join('\n')}
</tbody></table>
<h2>Score per service</h2>
${chart}
<h2>SSOT inventory</h2>
<p><small>Every candidate implementation of each concept, per variant and service. Owners count toward the limit; consumers and transient uses are listed only.</small></p>
${inventory || '<p><small>No concept has a candidate.</small></p>'}
<h2>Findings (<span id="shown">${findings.length}</span> of ${findings.length})</h2>
<div class="filters">
<label>Rule <select id="f-rule"><option value="">all</option>${options(uniq(findings.map((f) => f.rule)))}</select></label>
<label>Service <select id="f-service"><option value="">all</option>${options(uniq(findings.map((f) => f.service)))}</select></label>
<label>Severity <select id="f-severity"><option value="">all</option>${options(['error', 'warning', 'info'])}</select></label>
<label>State <select id="f-state"><option value="">all</option>${options(['new', 'known', 'unchanged', 'suppressed'])}</select></label>
<label>Search <input id="f-text" type="search" placeholder="path or message"></label>
</div>
<div id="findings"></div>
<script type="application/json" id="data">${data}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var el = function (tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  var ids = ['f-rule', 'f-service', 'f-severity', 'f-state', 'f-text'];
  function render() {
    var v = ids.map(function (id) { return document.getElementById(id).value.toLowerCase(); });
    var list = data.findings.filter(function (f) {
      return (!v[0] || f.rule === v[0]) && (!v[1] || f.service.toLowerCase() === v[1]) && (!v[2] || f.severity === v[2]) &&
        (!v[3] || f.baseline === v[3]) && (!v[4] || (f.path + ' ' + f.message).toLowerCase().indexOf(v[4]) >= 0);
    });
    document.getElementById('shown').textContent = String(list.length);
    var root = document.getElementById('findings');
    root.textContent = '';
    var groups = {};
    list.forEach(function (f) { var k = f.rule + '\\u0000' + f.service; (groups[k] = groups[k] || []).push(f); });
    Object.keys(groups).sort().forEach(function (k) {
      var fs = groups[k];
      var d = el('details', 'group');
      d.open = Object.keys(groups).length <= 8;
      d.appendChild(el('summary', null, fs[0].rule + ' · ' + fs[0].service + ' (' + fs.length + ')'));
      fs.slice(0, 500).forEach(function (f) {
        var div = el('div', 'finding');
        div.appendChild(el('span', 'sev ' + f.severity, f.severity));
        div.appendChild(el('span', 'loc', f.path + ':' + f.line));
        div.appendChild(el('span', 'tag', f.baseline));
        if (f.test) div.appendChild(el('span', 'tag', 'test'));
        div.appendChild(el('div', 'msg', f.message));
        if (f.help) div.appendChild(el('div', 'help', f.help));
        if (f.context.length) {
          var pre = el('pre', 'code');
          f.context.forEach(function (c) { pre.appendChild(el('span', c[0] === f.line ? 'hit' : 'ctx', String(c[0]).padStart(5) + '  ' + c[1] + (c[0] === f.line ? '' : '\\n'))); });
          div.appendChild(pre);
        }
        d.appendChild(div);
      });
      if (fs.length > 500) d.appendChild(el('p', null, '… ' + (fs.length - 500) + ' more: narrow the filters.'));
      root.appendChild(d);
    });
  }
  ids.forEach(function (id) { document.getElementById(id).addEventListener('input', render); });
  render();
})();
</script>
</body>
</html>
`;
}
