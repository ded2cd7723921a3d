/**
 * The app's one HTML page and its style sheet. The script is the compiled front end (web/ ->
 * dist/web/app.js), served by the same server: nothing comes from a CDN, so it works offline.
 */
const CSS = `
:root { --high: #d0021b; --medium: #f5c400; --low: #1f6fd1; --ok: #0a6b2b; --ink: #111; --panel: #16202a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: var(--ink); background: #f3f4f6; }
header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #0f2233; color: #fff; flex-wrap: wrap; }
header a { color: #cfe6ff; } header nav { display: flex; gap: .8rem; flex-wrap: wrap; }
#clock { font-family: ui-monospace, monospace; font-size: 1.1rem; margin-left: auto; }
#conn { padding: .2rem .6rem; border-radius: 4px; font-weight: 700; }
#conn.up { background: #164d2a; } #conn.down { background: var(--high); }
#lost { display: none; padding: 1rem; background: #3a0008; color: #fff; font-size: 1.2rem; font-weight: 700; text-align: center; }
body.lost #lost { display: block; } body.lost main { opacity: .25; filter: grayscale(1); pointer-events: none; }
body.lost main .live { visibility: hidden; }
main { padding: 1rem; max-width: 1300px; margin: 0 auto; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.1rem; margin: 1rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid #d6d9de; text-align: left; }
th { background: #e5e8ec; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
button { font: inherit; padding: .45rem .8rem; border: 2px solid #334; border-radius: 5px; background: #fff; cursor: pointer; min-width: 2.5rem; }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #ff8c00; outline-offset: 2px; }
button.primary { background: #0f2233; color: #fff; } button.danger { background: #fff0f0; border-color: var(--high); }
input, select { font: inherit; padding: .35rem; border: 1px solid #667; border-radius: 4px; }
label { display: inline-flex; flex-direction: column; gap: .15rem; margin: 0 .6rem .5rem 0; font-size: .9rem; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: flex-end; }
.card { background: #fff; border: 1px solid #cdd2d8; border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; }
/* Alarms, IEC 60601-1-8: high red flashing 1.4-2.8 Hz, medium yellow flashing 0.4-0.8 Hz, low steady; text and shape too. */
.alarms { list-style: none; padding: 0; margin: 0; }
.alarm { display: flex; gap: .8rem; align-items: center; padding: .5rem .7rem; margin-bottom: .35rem; border-radius: 6px; border: 3px solid; font-weight: 600; }
.alarm .prio { min-width: 8.5rem; font-weight: 800; letter-spacing: .03em; }
.alarm.prio-high { border-color: var(--high); background: #ffe3e6; }
.alarm.prio-medium { border-color: #b08d00; background: #fff6cc; }
.alarm.prio-low { border-color: var(--low); background: #e6f0ff; }
.alarm.prio-high .lamp { animation: flash-high .5s steps(1, end) infinite; }
.alarm.prio-medium .lamp { animation: flash-medium 1.6s steps(1, end) infinite; }
.lamp { width: 1.6rem; height: 1.6rem; display: inline-block; flex: none; }
.shape-high { background: var(--high); clip-path: polygon(50% 0, 100% 100%, 0 100%); }
.shape-medium { background: var(--medium); clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%); border: 0; }
.shape-low { background: var(--low); border-radius: 50%; }
@keyframes flash-high { 0% { opacity: 1; } 50% { opacity: .15; } }
@keyframes flash-medium { 0% { opacity: 1; } 50% { opacity: .2; } }
.alarm .meta { font-weight: 400; color: #333; margin-left: auto; }
.state { font-weight: 700; } .state-ALARM { color: var(--high); } .state-RUNNING, .state-KVO { color: var(--ok); } .state-PAUSED { color: #8a5a00; }
.audio { display: flex; gap: 1rem; align-items: center; }
.audio .sig { font-weight: 800; padding: .3rem .6rem; border-radius: 4px; border: 2px solid #333; }
/* The front panel. */
.pump { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1fr); gap: 1rem; }
@media (max-width: 800px) { .pump { grid-template-columns: 1fr; } }
.display { background: var(--panel); color: #d8f5d0; font-family: ui-monospace, monospace; border-radius: 10px; padding: 1rem; min-height: 16rem; border: 6px solid #33414e; }
.display .big { font-size: 1.8rem; font-weight: 700; } .display .lbl { color: #8fb0a0; font-size: .8rem; text-transform: uppercase; }
.display .grid { display: grid; grid-template-columns: 1fr 1fr; gap: .4rem 1rem; margin-top: .6rem; }
.display .alarm { color: #111; }
.msg { padding: .5rem .7rem; border-radius: 6px; margin: .6rem 0; font-weight: 600; border: 2px solid; }
.msg.ok { background: #e7f6ec; border-color: var(--ok); } .msg.err { background: #ffe3e6; border-color: var(--high); }
.msg.hard { background: var(--high); color: #fff; border-color: #600; font-size: 1.1rem; }
.confirm { border: 3px solid #b08d00; background: #fff6cc; padding: .7rem; border-radius: 8px; margin: .6rem 0; }
.keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; margin: .6rem 0; }
.keys button { padding: .7rem .4rem; font-weight: 700; }
dialog, .prompt { border: 4px solid #8a5a00; background: #fffaf0; border-radius: 8px; padding: 1rem; }
.met { color: var(--ok); font-weight: 700; } .missed { color: var(--high); font-weight: 700; } .open { color: #8a5a00; font-weight: 700; } .pending { color: #666; }
.log { font-family: ui-monospace, monospace; font-size: .85rem; max-height: 20rem; overflow: auto; background: #fff; border: 1px solid #ccc; padding: .4rem; white-space: pre-wrap; }
iframe { width: 100%; height: 80vh; border: 1px solid #ccc; background: #fff; }
.sr { position: absolute; left: -9999px; }
`;

export function indexHtml(name: string): string {
  const safe = name.replace(/[^a-z0-9_-]/gi, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infusim training: ${safe}</title>
<style>${CSS}</style>
</head>
<body class="lost">
<header>
  <strong>infusim training</strong>
  <nav aria-label="Pages"><a href="#/station">Central station</a><span id="pumplinks"></span><a href="#/debrief">Debrief</a></nav>
  <span id="clock" aria-live="off">--:--:--</span>
  <span id="conn" class="down" role="status">connecting</span>
</header>
<div id="lost" role="alert">Lost contact with the training server: reconnecting. Numbers are hidden until the link is back.</div>
<main id="main"></main>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
}
