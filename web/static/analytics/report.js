// The campaign report's charts (echarts), drawn from the JSON blocks #report-data and #chart-labels.
// A static file: the Content-Security-Policy runs no inline script.
document.addEventListener('DOMContentLoaded', function () {
  if (!window.echarts) { document.querySelectorAll('.chart').forEach(function (el) { el.style.display = 'none'; }); return; }
  var r = JSON.parse(document.getElementById('report-data').textContent);
  var L = JSON.parse(document.getElementById('chart-labels').textContent);
  var best = r.best_slot ? r.best_slot.slot : -1;
  var pct = function (v) { return (v * 100).toFixed(1) + ' %'; };
  echarts.init(document.getElementById('chart-slots')).setOption({
    tooltip: {trigger: 'axis', valueFormatter: pct}, xAxis: {type: 'category', data: r.slots.map(function (s) { return s.label; })},
    yAxis: {type: 'value', name: L.connect_rate, axisLabel: {formatter: function (v) { return (v * 100).toFixed(0) + '%'; }}},
    series: [{type: 'bar', name: L.connect_rate, data: r.slots.map(function (s) {
      return {value: s.connect_rate, itemStyle: {color: s.slot === best ? '#d9480f' : '#4263eb'}}; })}]});
  echarts.init(document.getElementById('chart-funnel')).setOption({
    tooltip: {}, series: [{type: 'funnel', sort: 'none', data: r.funnel.map(function (f, i) { return {name: L.funnel[i], value: f.customers}; })}]});
  [['balance', 'chart-balance'], ['recharge_amount', 'chart-recharge']].forEach(function (pair) {
    var g = r.distributions[pair[0]]; if (!g.effective || !g.rest) return;
    echarts.init(document.getElementById(pair[1])).setOption({
      title: {text: L.columns[pair[0]], textStyle: {fontSize: 13}}, tooltip: {trigger: 'axis', valueFormatter: pct},
      legend: {data: [L.effective, L.rest]},
      xAxis: {type: 'category', data: g.effective.bins.map(function (b) { return b.bin; })},
      yAxis: {type: 'value', axisLabel: {formatter: function (v) { return (v * 100).toFixed(0) + '%'; }}},
      series: ['effective', 'rest'].map(function (k) { return {name: L[k], type: 'bar', data: g[k].bins.map(function (b) { return b.share; })}; })});
  });
});
