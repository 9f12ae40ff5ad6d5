// The spl dashboard: polls the coordinator's JSON API (same origin, bearer token from session
// storage) and renders the fleet, freezes, fan-outs and one fan-out's children. All text goes in
// through textContent, never as HTML.
"use strict";

(function () {
  const POLL_MS = 1000;
  // Rows of the children table painted before the rest (a screen shows a few dozen).
  const FIRST_PAINT_ROWS = 100;
  const TOKEN_KEY = "spl.token";
  const USER_KEY = "spl.user";

  const view = {
    selected: null, // fan-out id whose children are shown
    page: 0,
    size: 100,
    childrenKey: "", // what the children table shows now, to skip identical re-renders
    fanoutsKey: "",
    fleetKey: "",
    bannersKey: "",
    firstRenderMarked: false,
    needToken: false,
    timer: null,
    fanouts: new Map(),
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------------
  // The API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      headers.Authorization = "Bearer " + token;
    }
    const init = { method, headers, cache: "no-store", credentials: "omit", redirect: "error" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "UNREACHABLE", "the coordinator does not answer (" + e.message + ")");
    }
    let json = null;
    try {
      json = await response.json();
    } catch (e) {
      json = null;
    }
    if (!response.ok) {
      const code = json && json.code ? json.code : "HTTP_" + response.status;
      const message = json && json.message ? json.message : response.statusText;
      throw new ApiError(response.status, code, message);
    }
    return json;
  }

  function user() {
    return sessionStorage.getItem(USER_KEY) || undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Polling

  function schedule(delay) {
    clearTimeout(view.timer);
    view.timer = setTimeout(refresh, delay);
  }

  async function refresh() {
    if (view.needToken) {
      return;
    }
    try {
      const requests = [api("GET", "/v1/fleet/status"), api("GET", "/v1/fanouts?limit=100")];
      const selected = view.selected;
      if (selected) {
        const after = view.page * view.size - 1;
        requests.push(
          api(
            "GET",
            "/v1/fanouts/" + selected + "/children?after=" + after + "&limit=" + view.size
          ).catch((e) => e)
        );
      }
      const [status, fanouts, children] = await Promise.all(requests);
      if (!view.firstRenderMarked) {
        performance.mark("spl-first-data");
      }
      renderWhere(status);
      renderBanners(status);
      renderFleet(status);
      renderFanouts(fanouts);
      if (selected && selected === view.selected) {
        if (children instanceof ApiError) {
          if (children.status === 404) {
            showMessage("The fan-out " + short(selected) + " is not known here.", true);
            select(null);
          } else {
            throw children;
          }
        } else {
          renderChildren(children);
        }
      }
      markFirstRender();
      const updated = $("updated");
      updated.textContent = "updated " + new Date().toLocaleTimeString();
      updated.classList.remove("stale");
      schedule(POLL_MS);
    } catch (e) {
      if (e.status === 401) {
        askForToken(e.message);
        return;
      }
      const updated = $("updated");
      updated.textContent = "not updated: " + e.message;
      updated.classList.add("stale");
      schedule(POLL_MS * 2);
    }
  }

  function markFirstRender() {
    if (view.firstRenderMarked) {
      return;
    }
    view.firstRenderMarked = true;
    performance.mark("spl-first-render");
    document.body.dataset.firstRender = "done";
    // The mark above is set once the rows are in the document; the browser lays them out and
    // paints them in the frame that follows, and a task queued from that frame runs after it.
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark("spl-first-paint");
        document.body.dataset.firstPaint = "done";
      }, 0)
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function cell(row, text, className) {
    const td = el("td", className, text);
    row.appendChild(td);
    return td;
  }

  const pillClasses = new Map();

  function pillClass(kind) {
    let name = pillClasses.get(kind);
    if (name === undefined) {
      name = "pill " + String(kind).replace(/[^a-z_]+/g, "-");
      pillClasses.set(kind, name);
    }
    return name;
  }

  function pill(text, kind) {
    return el("span", pillClass(kind), text);
  }

  function short(id) {
    return id ? String(id).slice(0, 12) + "…" : "";
  }

  function count(n) {
    return Number(n).toLocaleString("en-US");
  }

  function age(ms) {
    if (ms === undefined || ms === null || ms < 0) {
      return "—";
    }
    if (ms < 10000) {
      return (ms / 1000).toFixed(1) + " s ago";
    }
    if (ms < 120000) {
      return Math.round(ms / 1000) + " s ago";
    }
    return Math.round(ms / 60000) + " min ago";
  }

  function time(epochMs) {
    return epochMs > 0 ? new Date(epochMs).toLocaleTimeString() : "";
  }

  function bar(parts, total) {
    const node = el("div", "bar");
    for (const [kind, n] of parts) {
      if (n > 0 && total > 0) {
        const span = el("span", kind);
        span.style.width = ((100 * n) / total).toFixed(3) + "%";
        node.appendChild(span);
      }
    }
    return node;
  }

  function renderWhere(status) {
    $("where").textContent = status.coordinator_url || location.origin;
  }

  function renderBanners(status) {
    const key = JSON.stringify([status.freezes, status.emergency]);
    if (key === view.bannersKey) {
      return;
    }
    view.bannersKey = key;
    const box = $("banners");
    box.replaceChildren();
    if (status.emergency && status.emergency.active) {
      const banner = el("div", "banner emergency");
      banner.id = "emergency-banner";
      banner.appendChild(el("strong", null, "Emergency stop: new work is refused everywhere."));
      banner.appendChild(el("span", null, status.emergency.reason));
      banner.appendChild(
        el(
          "span",
          "meta",
          "by " + status.emergency.issued_by + " at " + time(status.emergency.issued_at) +
            " · lift it with spl unkill --emergency"
        )
      );
      box.appendChild(banner);
    }
    for (const freeze of status.freezes || []) {
      const banner = el("div", "banner freeze-banner " + (freeze.level === "hard" ? "hard" : "soft"));
      banner.dataset.namespace = freeze.namespace;
      const what =
        freeze.level === "hard"
          ? "is frozen (hard): new work is refused and running work stops" +
            (freeze.deadline_at ? " at " + time(freeze.deadline_at) : "")
          : "is frozen (soft): new work is refused, running work finishes";
      const title = el("strong");
      title.append("Namespace ", el("code", null, freeze.namespace), " " + what + ".");
      banner.appendChild(title);
      banner.appendChild(el("span", null, freeze.reason));
      banner.appendChild(el("span", "meta", "by " + freeze.issued_by + " at " + time(freeze.issued_at)));
      const button = el("button", "unfreeze", "Unfreeze");
      button.type = "button";
      button.dataset.namespace = freeze.namespace;
      button.addEventListener("click", () => unfreeze(freeze.namespace, button));
      banner.appendChild(button);
      box.appendChild(banner);
    }
  }

  function renderFleet(status) {
    // The coordinator first, then by name.
    const instances = (status.instances || []).slice().sort((a, b) =>
      (a.role === "coordinator" ? 0 : 1) - (b.role === "coordinator" ? 0 : 1) ||
      String(a.alias || a.did).localeCompare(String(b.alias || b.did))
    );
    const key = JSON.stringify(
      instances.map((i) => [i.did, i.alias, i.status, i.health, i.active, i.slots,
        Math.round((i.last_heartbeat_age_ms || 0) / 500), i.version, i.endpoint])
    );
    const counts = status.counts || {};
    $("fleet-counts").textContent =
      count(counts.live || 0) + " live · " + count(counts.stale || 0) + " stale · " +
      count(counts.archived || 0) + " archived";
    if (key === view.fleetKey) {
      return;
    }
    view.fleetKey = key;
    const body = $("fleet-table").tBodies[0];
    const rows = document.createDocumentFragment();
    for (const instance of instances) {
      const row = el("tr");
      row.dataset.did = instance.did;
      const name = cell(row, instance.alias || short(instance.did));
      name.title = instance.did;
      cell(row, instance.role);
      cell(row).appendChild(pill(instance.status, instance.status));
      cell(row).appendChild(pill(instance.health, instance.health));
      const load = cell(row);
      if (instance.role === "worker") {
        const box = el("div", "load");
        box.appendChild(bar([["running", instance.active]], Math.max(1, instance.slots)));
        box.appendChild(el("span", null, instance.active + " / " + instance.slots + " slots"));
        load.appendChild(box);
      } else {
        load.textContent = "—";
      }
      cell(row, age(instance.last_heartbeat_age_ms));
      cell(row, instance.version);
      cell(row, instance.endpoint, "mono");
      rows.appendChild(row);
    }
    body.replaceChildren(rows);
  }

  function fanoutState(fanout) {
    if (fanout.complete) {
      return pill(fanout.verdict, fanout.verdict);
    }
    if (fanout.replaced_by) {
      return pill("replaced", "replaced");
    }
    return fanout.frozen ? pill("frozen", "frozen") : pill("open", "open");
  }

  function progress(fanout) {
    const box = el("div");
    box.appendChild(
      bar(
        [
          ["accepted", fanout.accepted],
          ["failed", fanout.failed],
          ["running", fanout.running],
        ],
        fanout.width
      )
    );
    box.appendChild(
      el(
        "div",
        "progress-text",
        "spawned " + count(fanout.spawned) + " · completed " + count(fanout.completed) + "/" +
          count(fanout.width) + " · failed " + count(fanout.failed) + " · running " +
          count(fanout.running)
      )
    );
    return box;
  }

  function renderFanouts(list) {
    view.fanouts = new Map(list.data.map((f) => [f.fanout, f]));
    $("fanout-counts").textContent = count(list.open) + " open · " + count(list.total) + " in all";
    const key = JSON.stringify([list.data.map((f) => [f.fanout, f.version, f.frozen, f.alias]), view.selected]);
    if (key === view.fanoutsKey) {
      return;
    }
    view.fanoutsKey = key;
    $("fanouts-empty").hidden = list.data.length > 0;
    const rows = document.createDocumentFragment();
    for (const fanout of list.data) {
      const row = el("tr", fanout.fanout === view.selected ? "selected" : "");
      row.dataset.fanout = fanout.fanout;
      row.dataset.complete = String(fanout.complete);
      row.dataset.verdict = fanout.verdict || "";
      const name = el("button", "link open-children", fanout.alias || short(fanout.thread));
      name.type = "button";
      name.title = "thread " + fanout.thread + "\nfan-out " + fanout.fanout;
      name.addEventListener("click", () => select(fanout.fanout));
      cell(row).appendChild(name);
      cell(row, fanout.namespace);
      cell(row, fanout.join, "mono");
      cell(row).appendChild(progress(fanout));
      cell(row, count(fanout.width), "num");
      cell(row, count(fanout.spawned), "num spawned");
      cell(row, count(fanout.completed), "num completed");
      cell(row, count(fanout.failed), "num failed");
      const state = cell(row, null, "state");
      state.appendChild(fanoutState(fanout));
      rows.appendChild(row);
    }
    $("fanouts-table").tBodies[0].replaceChildren(rows);
  }

  function renderChildren(page) {
    const fanout = page.summary;
    const key = JSON.stringify([page.fanout, page.version, view.page, view.size]);
    const first = view.page * view.size;
    const title = $("children-title");
    title.textContent = (fanout.alias || short(fanout.thread)) + " (" + short(fanout.fanout) + ")";
    $("children-range").textContent =
      page.data.length === 0
        ? "no children on this page"
        : "children " + count(first) + "–" + count(first + page.data.length - 1) + " of " +
          count(fanout.width);
    $("children-prev").disabled = view.page === 0;
    $("children-next").disabled = !page.has_more;
    if (key === view.childrenKey) {
      return;
    }
    view.childrenKey = key;
    // Up to 1,000 rows in one pass: each is a copy of one prepared row whose cells get their text,
    // built in fragments and put in the table with no reads in between. Laying out and painting
    // 1,000 rows takes the browser several times as long as building them, so the first
    // FIRST_PAINT_ROWS (more than a screen holds) are painted first and the rest two frames later.
    const prototype = childRowPrototype();
    const rows = document.createDocumentFragment();
    const rest = document.createDocumentFragment();
    for (const child of page.data) {
      const row = prototype.cloneNode(true);
      row.dataset.index = child.index;
      row.dataset.state = child.state;
      const cells = row.cells;
      cells[0].textContent = child.index;
      cells[1].textContent = child.goal;
      const state = cells[2].firstChild;
      state.className = pillClass(child.state);
      state.textContent = child.state;
      cells[3].textContent = child.attempt;
      const worker = cells[4];
      worker.textContent = child.worker_alias || (child.worker ? short(child.worker) : "—");
      if (child.worker) {
        worker.title = child.worker;
      }
      cells[5].textContent =
        child.wall_time_secs === null ? "—" : Number(child.wall_time_secs).toFixed(2) + " s";
      cells[6].textContent = child.cost_usd === null ? "—" : "$" + Number(child.cost_usd).toFixed(2);
      const summary = cells[7];
      summary.textContent = (child.summary_truncated ? "…" : "") + child.summary;
      summary.title = child.summary;
      const action = cells[8];
      if (fanout.open && child.lifecycle === "done") {
        const button = el("button", "small quiet retry", "Retry");
        button.type = "button";
        button.addEventListener("click", () => retry(fanout.fanout, child.index, button));
        action.appendChild(button);
      }
      (rows.childNodes.length < FIRST_PAINT_ROWS ? rows : rest).appendChild(row);
    }
    const body = $("children-table").tBodies[0];
    body.replaceChildren(rows);
    const allShown = () => {
      if (!view.allRowsMarked) {
        view.allRowsMarked = true;
        requestAnimationFrame(() =>
          setTimeout(() => {
            performance.mark("spl-all-rows");
            document.body.dataset.allRows = "done";
          }, 0)
        );
      }
    };
    if (rest.childNodes.length === 0) {
      allShown();
      return;
    }
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        // A newer page replaced this one meanwhile: its rows are not these.
        if (view.childrenKey === key) {
          body.appendChild(rest);
          allShown();
        }
      })
    );
  }

  let childRow = null;

  /** An empty row of the children table, with its cells and the state's pill, to copy. */
  function childRowPrototype() {
    if (childRow === null) {
      childRow = el("tr");
      for (const className of ["num", null, "state", "num", null, "num", "num", "summary", null]) {
        cell(childRow, null, className);
      }
      childRow.cells[2].appendChild(el("span", "pill"));
    }
    return childRow;
  }

  // ---------------------------------------------------------------------------------------------
  // Selection and paging (kept in the address, so a view can be shared or reloaded)

  function select(id) {
    view.selected = id;
    view.page = 0;
    view.childrenKey = "";
    view.fanoutsKey = "";
    $("children").hidden = !id;
    writeHash();
    if (id) {
      $("children-title").textContent = short(id);
      $("children-table").tBodies[0].replaceChildren();
      schedule(0);
    }
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const id = params.get("fanout");
    if (id && /^[0-9a-f]{64}$/.test(id)) {
      view.selected = id;
      $("children").hidden = false;
    }
    const size = Number(params.get("size"));
    if ([50, 100, 500, 1000].includes(size)) {
      view.size = size;
      $("children-size").value = String(size);
    }
    const page = Number(params.get("page"));
    if (Number.isInteger(page) && page >= 0) {
      view.page = page;
    }
  }

  function writeHash() {
    const params = new URLSearchParams();
    if (view.selected) {
      params.set("fanout", view.selected);
      params.set("size", String(view.size));
      if (view.page > 0) {
        params.set("page", String(view.page));
      }
    }
    history.replaceState(null, "", params.toString() ? "#" + params.toString() : location.pathname);
  }

  function turnPage(delta) {
    view.page = Math.max(0, view.page + delta);
    view.childrenKey = "";
    writeHash();
    schedule(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Actions: the same records spl kill, spl unkill and spl task retry write

  function showMessage(text, isError) {
    const box = $("message");
    box.textContent = text;
    box.classList.toggle("error", Boolean(isError));
    box.hidden = false;
  }

  async function act(button, request, success) {
    button.disabled = true;
    try {
      const answer = await request();
      showMessage(success(answer), false);
      view.bannersKey = "";
      schedule(0);
    } catch (e) {
      if (e.status === 401) {
        showMessage("Refused: " + e.message + ". Give the dashboard the fleet token.", true);
        askForToken(e.message);
      } else {
        showMessage("Refused (" + e.code + "): " + e.message, true);
      }
    } finally {
      button.disabled = false;
    }
  }

  function freeze(event) {
    event.preventDefault();
    const namespace = $("freeze-namespace").value.trim();
    const level = $("freeze-level").value;
    const body = { namespace, level, reason: $("freeze-reason").value, user: user() };
    if (level === "hard" && $("freeze-grace").value !== "") {
      body.grace_secs = Number($("freeze-grace").value);
    }
    act(
      $("freeze-button"),
      () => api("POST", "/v1/control/freeze", body),
      (record) =>
        (level === "hard" ? "Hard" : "Soft") + " freeze of '" + namespace + "' recorded (record " +
        short(record.id) + ")."
    );
  }

  function unfreeze(namespace, button) {
    act(
      button,
      () => api("POST", "/v1/control/unfreeze", { namespace, user: user() }),
      (record) => "Unfreeze of '" + namespace + "' recorded (record " + short(record.id) + ")."
    );
  }

  function retry(fanout, index, button) {
    act(
      button,
      () => api("POST", "/v1/fanouts/" + fanout + "/children/" + index + "/retry", { user: user() }),
      (answer) =>
        "Retry requested for subtask " + index + " (attempt " + (answer.replaces_attempt + 1) +
        ", replacing " + answer.replacing + ")."
    );
  }

  // ---------------------------------------------------------------------------------------------
  // The token

  function askForToken(why) {
    view.needToken = true;
    $("token-why").textContent = why
      ? "The coordinator refused the request: " + why + "."
      : "Give the dashboard the coordinator's fleet token.";
    $("token-input").value = "";
    $("user-input").value = sessionStorage.getItem(USER_KEY) || "";
    const dialog = $("token-dialog");
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  function saveToken(event) {
    event.preventDefault();
    const token = $("token-input").value.trim();
    const name = $("user-input").value.trim();
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
    }
    if (name) {
      sessionStorage.setItem(USER_KEY, name);
    } else {
      sessionStorage.removeItem(USER_KEY);
    }
    $("token-dialog").close();
    view.needToken = false;
    showMessage("Using the token for this tab.", false);
    schedule(0);
  }

  function cancelToken() {
    $("token-dialog").close();
    // Stop asking on every poll; the Token… button or an action asks again.
    view.needToken = true;
    showMessage("Without the fleet token the dashboard shows nothing and its buttons are refused.", true);
  }

  // ---------------------------------------------------------------------------------------------

  function start() {
    readHash();
    $("freeze-form").addEventListener("submit", freeze);
    $("token-form").addEventListener("submit", saveToken);
    $("token-cancel").addEventListener("click", cancelToken);
    $("token-button").addEventListener("click", () => askForToken(null));
    $("children-prev").addEventListener("click", () => turnPage(-1));
    $("children-next").addEventListener("click", () => turnPage(1));
    $("children-size").addEventListener("change", () => {
      view.size = Number($("children-size").value);
      turnPage(-view.page);
    });
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
