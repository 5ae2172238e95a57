// The Live page's updates: the server pushes the list of calls in progress as Server-Sent Events and this rewrites
// the table from it. Text only (textContent), never markup. Every other page works without this file.
"use strict";
(function () {
  const table = document.getElementById("live");
  if (!table || !window.EventSource) return;
  const body = table.tBodies[0];
  const status = document.getElementById("live-status");
  const source = new EventSource(table.dataset.source);
  function cell(row, text) {
    const td = row.insertCell();
    td.textContent = text;
    return td;
  }
  source.addEventListener("calls", function (ev) {
    const calls = JSON.parse(ev.data);
    // The rows are rebuilt on every update; a keyboard user on a call's link keeps their place on it.
    const active = document.activeElement;
    const focused = active && body.contains(active) ? active.closest("tr").dataset.call : null;
    body.replaceChildren();
    if (calls.length === 0) {
      const row = body.insertRow();
      row.className = "empty";
      cell(row, "No calls in progress.").colSpan = 6;
    }
    for (const c of calls) {
      const row = body.insertRow();
      row.dataset.call = c.id;
      const a = document.createElement("a");
      a.href = "/calls/" + encodeURIComponent(c.id);
      a.textContent = c.start;
      row.insertCell().append(a);
      cell(row, c.for);
      cell(row, c.entry);
      cell(row, c.caller);
      cell(row, c.node);
      const where = row.insertCell();
      const b = document.createElement("strong");
      b.textContent = c.where;
      const span = document.createElement("span");
      span.className = "prompt-text";
      span.textContent = c.text ? " last heard: " + c.text : "";
      where.append(b, span);
    }
    if (focused) {
      const link = body.querySelector('tr[data-call="' + CSS.escape(focused) + '"] a');
      if (link) link.focus();
    }
    status.textContent = calls.length + " in progress · updated " + new Date().toLocaleTimeString();
    status.classList.remove("stale");
  });
  source.onerror = function () {
    status.textContent = "reconnecting…";
    status.classList.add("stale");
  };
})();
