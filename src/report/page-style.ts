/** The page's stylesheet: plain, readable on screen, and printable (one chart per row, no clipped tables). */
export const PAGE_STYLE = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --band: #f4f5f7; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 1.5rem 1.25rem 3rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2.5rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
a { color: var(--accent); }
p { max-width: 75ch; }
.meta { color: var(--muted); }
nav.toc { background: var(--band); padding: .75rem 1.25rem; border-radius: 6px; }
nav.toc h2 { border: 0; margin: 0 0 .25rem; font-size: 1.1rem; }
nav.toc ol { margin: 0; padding-left: 1.25rem; }
nav.toc ol ol { font-size: .9rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 1.25rem; margin: 1rem 0; }
figure { margin: 0; border: 1px solid var(--rule); border-radius: 6px; padding: .5rem; background: #fff; }
figcaption { font-size: .85rem; color: var(--muted); padding: .25rem .25rem 0; }
figcaption strong { color: var(--ink); }
.chart { width: 100%; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: .25rem 0 .5rem; color: var(--muted); max-width: 100ch; }
caption strong { color: var(--ink); }
th, td { padding: .25rem .6rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { background: var(--band); text-align: left; white-space: nowrap; position: sticky; top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafafa; }
tr.group th { text-align: left; background: #e8eef6; }
tr.selected td, tr.selected th, tbody tr.selected:nth-child(even) td { background: #fff1b8; }
tbody th[scope="row"] { text-align: left; white-space: nowrap; }
td code, pre { font: .8rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td code { word-break: break-all; }
pre { background: var(--band); padding: .75rem; overflow-x: auto; border-radius: 6px; }
.missing { color: #999; }
.chart-error { color: #b00020; padding: 1rem; }
@media print {
  @page { margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { break-after: page; background: none; }
  h2 { break-before: page; }
  h2, h3 { break-after: avoid; }
  .figures { display: block; }
  figure { break-inside: avoid; margin: 0 0 1rem; border: 0; }
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; }
  /* Wide tables (a transfer matrix has a column per model) wrap inside cells rather than run off the page. */
  thead th, td.num, th.num, tbody th[scope="row"] { white-space: normal; overflow-wrap: anywhere; }
  th, td { padding: .15rem .3rem; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
