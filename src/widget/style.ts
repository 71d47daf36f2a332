// Inside the widget's shadow root: the page's styles do not reach in, and these do not leak out.
export const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; }
.root { display: flex; flex-direction: column; align-items: flex-end; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1f2933; }
button, input, textarea { font: inherit; }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.launcher { display: flex; align-items: center; gap: 8px; border: 0; border-radius: 999px; padding: 12px 18px; background: #1565c0; color: #fff; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher:hover { background: #0d47a1; }
.panel { display: flex; flex-direction: column; width: min(370px, calc(100vw - 24px)); height: min(560px, calc(100vh - 100px)); margin-bottom: 12px; background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; }
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #1565c0; color: #fff; }
.head h2 { flex: 1; margin: 0; font-size: 16px; }
.head .state { display: block; font-size: 12px; font-weight: 400; opacity: .9; }
.icon { border: 0; background: transparent; color: inherit; font-size: 20px; line-height: 1; padding: 4px 8px; border-radius: 6px; cursor: pointer; }
.icon:hover { background: rgba(255,255,255,.15); }
.notice { margin: 0; padding: 6px 12px; font-size: 13px; background: #fff4e5; color: #663c00; }
.notice[hidden] { display: none; }
.notice.error { background: #fdecea; color: #611a15; }
.list { flex: 1; margin: 0; padding: 12px; list-style: none; overflow-y: auto; background: #f5f7fa; }
.msg { display: flex; flex-direction: column; margin: 6px 0; max-width: 85%; }
.msg.mine { margin-left: auto; align-items: flex-end; }
.bubble { padding: 8px 11px; border-radius: 12px; background: #fff; border: 1px solid #dde3ea; white-space: pre-wrap; overflow-wrap: anywhere; }
.mine .bubble { background: #1565c0; color: #fff; border-color: #1565c0; }
.mine .bubble a { color: #fff; }
.who { font-size: 12px; color: #52606d; margin: 0 4px 2px; }
.meta { font-size: 11px; color: #616e7c; margin: 2px 4px 0; }
.mark[data-mark="read"] { color: #1565c0; font-weight: 600; }
.mark[data-mark="failed"] { color: #b00020; font-weight: 600; }
.sys { text-align: center; font-size: 12px; color: #52606d; margin: 10px 0; }
.typing { margin: 0; padding: 2px 14px; font-size: 12px; color: #52606d; font-style: italic; min-height: 20px; background: #f5f7fa; }
.actions { display: flex; gap: 6px; padding: 8px 10px 0; flex-wrap: wrap; }
.chip { border: 1px solid #1565c0; background: #fff; color: #1565c0; border-radius: 999px; padding: 4px 12px; cursor: pointer; font-size: 13px; }
.chip:disabled { opacity: .5; cursor: default; }
.chip[aria-expanded="true"] { background: #e3f2fd; }
form.details { display: grid; gap: 6px; padding: 8px 10px 0; }
form.details[hidden] { display: none; }
.saved { margin: 6px 10px 0; font-size: 12px; color: #1b5e20; }
.saved[hidden] { display: none; }
form.details label { display: grid; gap: 2px; font-size: 12px; color: #52606d; }
form.details input { padding: 6px 8px; border: 1px solid #c4cdd5; border-radius: 6px; }
form.details .hint { margin: 0; font-size: 12px; color: #52606d; }
form.compose { display: flex; gap: 8px; padding: 10px; align-items: flex-end; }
textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 8px 10px; border: 1px solid #c4cdd5; border-radius: 8px; }
.send { border: 0; border-radius: 8px; padding: 10px 14px; background: #1565c0; color: #fff; font-weight: 600; cursor: pointer; }
.attach { border: 1px solid #c4cdd5; background: #fff; color: #1565c0; border-radius: 8px; width: 40px; height: 40px; font-size: 22px; line-height: 1; cursor: pointer; }
.attach:disabled { opacity: .5; cursor: default; }
.file { display: flex; align-items: center; gap: 4px; margin-top: 4px; max-width: 100%; text-align: left; border: 1px solid #90caf9; background: #e3f2fd; color: #0d47a1; border-radius: 8px; padding: 6px 10px; cursor: pointer; overflow-wrap: anywhere; }
.progress { margin: 6px 10px 0; font-size: 12px; color: #1565c0; }
.progress[hidden] { display: none; }
.progress[data-state="lost"] { padding: 6px 8px; border-radius: 6px; background: #fff4e5; color: #663c00; }
.limits { margin: -4px 10px 8px; font-size: 11px; color: #616e7c; }
.body, .kb { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.body[hidden], .kb[hidden], .kb [hidden] { display: none; }
.kb-bar { display: flex; gap: 8px; align-items: center; padding: 10px; }
.kb-bar input { flex: 1; min-width: 0; padding: 6px 8px; border: 1px solid #c4cdd5; border-radius: 6px; }
.kb-status { margin: 0 12px 6px; font-size: 12px; color: #52606d; }
.kb-status[data-state="error"] { padding: 6px 8px; border-radius: 6px; background: #fdecea; color: #611a15; }
.kb-results { flex: 1; overflow-y: auto; margin: 0; padding: 0 10px 10px; list-style: none; }
.kb-hit { display: grid; gap: 2px; width: 100%; margin-bottom: 6px; text-align: left; border: 1px solid #dde3ea; background: #fff; border-radius: 8px; padding: 8px 10px; cursor: pointer; color: inherit; }
.kb-hit:hover { border-color: #1565c0; }
.kb-hit strong { color: #0d47a1; }
.kb-hit span { font-size: 12px; color: #52606d; }
.kb-article { flex: 1; overflow-y: auto; padding: 0 14px 14px; }
.kb-article h3 { margin: 4px 0 8px; font-size: 15px; }
.kb-body { white-space: pre-wrap; overflow-wrap: anywhere; }
.rating { padding: 8px 12px; background: #f5f7fa; border-top: 1px solid #dde3ea; }
.rating[hidden] { display: none; }
.rating-ask { margin: 0 0 6px; font-weight: 600; }
.rating-scores { display: flex; gap: 6px; }
.score { min-width: 40px; min-height: 36px; border: 1px solid #1565c0; background: #fff; color: #1565c0; border-radius: 8px; font-weight: 600; cursor: pointer; }
.score:hover:not(:disabled) { background: #1565c0; color: #fff; }
.score:disabled { opacity: .5; cursor: default; }
.rating-hint { margin: 4px 0 0; font-size: 11px; color: #616e7c; }
.rating-line { margin: 4px 0 0; font-size: 12px; color: #1b5e20; }
.rating-line:empty { display: none; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
