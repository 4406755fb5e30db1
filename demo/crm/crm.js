// Pipewise CRM behaviour: deals created with the form are kept in this tab's storage so
// they survive the agent's navigation between pages.
(function () {
  var KEY = "pipewise-deals";
  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function render(list) {
    var body = document.querySelector("[data-testid='deal-list'] tbody");
    if (!body) return;
    list.forEach(function (deal) {
      var row = document.createElement("tr");
      [deal.name, "$" + deal.value, deal.stage].forEach(function (text) {
        var cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }
  render(load());
  var form = document.getElementById("deal-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var deal = {
        name: document.getElementById("deal-name").value || "Untitled deal",
        value: document.getElementById("deal-value").value || "0",
        stage: document.getElementById("deal-stage").selectedOptions[0].textContent,
      };
      var list = load();
      list.push(deal);
      try { sessionStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* storage off: still shown */ }
      render([deal]);
      form.reset();
    });
  }
})();
