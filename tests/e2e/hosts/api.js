// Listens to every Docent event (before init: handlers stay registered) and logs them;
// the test calls Docent.init() itself so that it can look at the page before and after.
window.heard = [];
['ready', 'open', 'close', 'message', 'lead', 'error'].forEach(function (name) {
  Docent.on(name, function (detail) {
    window.heard.push({ name: name, detail: detail });
    var item = document.createElement('li');
    item.textContent = name + (detail && detail.text ? ': ' + detail.text : '');
    document.getElementById('log').appendChild(item);
  });
});
document.getElementById('ask').addEventListener('click', function () {
  Docent.send('Thanks, that helps');
});
