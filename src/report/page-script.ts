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
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
`;
