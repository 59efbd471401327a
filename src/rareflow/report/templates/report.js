(function () {
  var config = {displaylogo: false, responsive: true,
                toImageButtonOptions: {format: 'png', scale: 2}};
  document.querySelectorAll('script.rf-figure').forEach(function (el) {
    var fig = JSON.parse(el.textContent);
    var div = document.getElementById(el.dataset.target);
    Plotly.newPlot(div, fig.data, fig.layout, config);
  });
})();
