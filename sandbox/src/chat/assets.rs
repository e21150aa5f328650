//! The chat view's script and style, served from the sandbox itself (nothing
//! is fetched from elsewhere, and the page's policy allows no inline script).

/// Live updates: on each server-sent event, fetch the conversation and the
/// list again (server-rendered, escaped) and swap them in.
pub(super) const SCRIPT: &str = r#""use strict";
(() => {
  const body = document.body;
  const events = body.dataset.events;
  if (!events) return;
  const regions = [
    ["conversation", body.dataset.view],
    ["list", body.dataset.list],
    ["log", body.dataset.log],
  ];
  let running = false, again = false;
  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        for (const [id, url] of regions) {
          if (!url) continue;
          const answer = await fetch(url, { cache: "no-store" });
          const region = document.getElementById(id);
          if (answer.ok && region) {
            const html = await answer.text();
            if (region.innerHTML !== html) {
              region.innerHTML = html;
              if (id === "conversation") region.scrollTop = region.scrollHeight;
            }
          }
        }
      } while (again);
    } finally {
      running = false;
      body.dataset.refreshed = String(Date.now());
    }
  }
  new EventSource(events).onmessage = refresh;
  const conversation = document.getElementById("conversation");
  if (conversation) conversation.scrollTop = conversation.scrollHeight;
})();
"#;

pub(super) const STYLE: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; display: flex; height: 100vh; background: #efeae2; color: #111b21; }
aside { width: 300px; background: #fff; border-right: 1px solid #d1d7db; padding: 12px; overflow-y: auto; }
aside h1 { font-size: 18px; margin: 0 0 8px; color: #008069; }
aside ul { list-style: none; padding: 0; margin: 0; }
aside li { padding: 8px 4px; border-bottom: 1px solid #f0f2f5; }
aside a { color: #111b21; font-weight: 600; text-decoration: none; }
aside small { display: block; color: #667781; }
form.start { margin-top: 16px; display: grid; gap: 6px; }
form.start h2 { font-size: 14px; margin: 0; }
form.start input { width: 100%; }
main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#conversation { flex: 1; overflow-y: auto; padding: 12px 24px; }
#conversation header { z-index: 1; position: sticky; top: -12px; background: #f0f2f5; margin: -12px -24px 8px; padding: 8px 24px; border-bottom: 1px solid #d1d7db; }
#conversation header h2 { margin: 0; font-size: 17px; }
#conversation header p { margin: 0; color: #667781; font-size: 13px; }
ol.messages { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 65%; padding: 6px 9px; border-radius: 8px; box-shadow: 0 1px 0.5px rgba(11,20,26,.13); position: relative; overflow-wrap: anywhere; }
.msg.business { align-self: flex-start; background: #fff; }
.msg.customer { align-self: flex-end; background: #d9fdd3; }
.msg p { margin: 2px 0; }
.quote { margin: 0 0 4px; padding: 4px 8px; border-left: 4px solid #06cf9c; background: rgba(0,0,0,.05); border-radius: 4px; font-size: 13px; }
.tick { float: right; margin-left: 8px; font-size: 12px; color: #667781; }
.tick[data-state="received"] { color: #53bdeb; }
.tick.failed { color: #c00; }
.why { display: block; clear: both; font-size: 12px; color: #c00; }
.reactions { position: absolute; bottom: -12px; right: 8px; background: #fff; border-radius: 10px; padding: 0 4px; font-size: 13px; }
.media img, .media video { max-width: 260px; max-height: 260px; border-radius: 6px; display: block; }
.caption, .filename, .meta, .footer, .coords { color: #667781; font-size: 13px; }
.param { background: #e7f3ff; border-radius: 4px; padding: 0 3px; }
form.tap { margin: 4px 0 0; }
button.choice { width: 100%; border: 0; border-top: 1px solid #e9edef; background: none; color: #027eb5; padding: 6px; cursor: pointer; font: inherit; }
a.cta { display: block; text-align: center; color: #027eb5; border-top: 1px solid #e9edef; padding: 6px; }
form.react { display: inline; opacity: .35; }
.msg:hover form.react { opacity: 1; }
form.react button { border: 0; background: none; cursor: pointer; padding: 0 2px; }
.contact { border: 1px solid #e9edef; border-radius: 6px; padding: 6px; }
section.customer { border-top: 1px solid #d1d7db; background: #f0f2f5; padding: 8px 16px; display: grid; gap: 6px; }
form.compose { display: flex; gap: 6px; }
form.compose input { flex: 1; padding: 8px; border-radius: 8px; border: 1px solid #d1d7db; }
form.faults { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; font-size: 13px; }
form.faults button { font-size: 12px; }
#log { width: 340px; background: #fff; border-left: 1px solid #d1d7db; padding: 12px; overflow-y: auto; font-size: 12px; color: #54656f; }
#log h3 { font-size: 14px; margin: 0 0 8px; color: #111b21; }
#log table { border-collapse: collapse; width: 100%; }
#log th, #log td:first-child { white-space: nowrap; }
#log td, #log th { border-bottom: 1px solid #f0f2f5; padding: 2px 4px; text-align: left; overflow-wrap: anywhere; }
#log tr.failed td { color: #c00; }
.queued { color: #c00; font-size: 13px; }
.chosen small { color: #667781; }
.hint { color: #667781; }
.carousel { display: flex; gap: 8px; overflow-x: auto; padding: 4px 0; }
.carousel .card { flex: 0 0 200px; border: 1px solid #e9edef; border-radius: 8px; padding: 4px; }
.carousel .card img, .carousel .card video { max-width: 100%; }
.otp b { letter-spacing: 1px; }
.copy-code, .url-button, .list-button { text-align: center; color: #027eb5; border-top: 1px solid #e9edef; padding: 6px; }
.product { border: 1px solid #e9edef; border-radius: 6px; padding: 4px 6px; }
.voice { display: block; color: #667781; font-size: 13px; }
form.location input { width: 7em; margin-right: 4px; }
"#;
