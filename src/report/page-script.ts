/**
 * The page's own script: draws every chart from the JSON specifications embedded in the page with the
 * inlined ECharts, as SVG. Charts follow the window's width, and are redrawn at the printed width before
 * printing. `data-charts` on <html> says how many charts were drawn, for the browser test and for anyone
 * checking a page.
 */
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var PRINT_WIDTH = 680; // CSS pixels across an A4 or Letter page inside 14 mm margins
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  var charts = [];
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    el.style.height = spec.height + 'px';
    try {
      var chart = echarts.init(el, null, { renderer: 'svg' });
      chart.setOption(spec.option);
      charts.push(chart);
    } catch (err) {
      el.textContent = 'This chart could not be drawn: ' + err.message;
      el.className += ' chart-error';
      throw err;
    }
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize({ width: PRINT_WIDTH }); }); });
  window.addEventListener('afterprint', function () { charts.forEach(function (c) { c.resize(); }); });
  // A model's link (in the models table) highlights its rows in every table, and jumps to the first.
  document.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('[data-model-link]') : null;
    if (!link) return;
    var slug = link.getAttribute('data-model-link');
    document.querySelectorAll('tr.selected').forEach(function (row) { row.classList.remove('selected'); });
    document.querySelectorAll('tr[data-model]').forEach(function (row) {
      if (row.getAttribute('data-model') === slug) row.classList.add('selected');
    });
  });
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
`;
