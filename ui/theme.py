"""Look of the page and its page script (the link-action bridge and the question counter)."""
from __future__ import annotations

# Links in the page carry what they do in their fragment ("#qa:a=<id>&s=<start>&e=<end>&h=<hash>"
# opens a passage, "#qa-rm:a=<id>" asks to remove an article, ...). One document listener, installed
# by whichever bridge element mounts first, turns a click into an event of the element that owns
# that kind of action (each element registers its `trigger` under its name; Gradio may remount an
# element, so the latest `trigger` is kept), so every action is an ordinary Gradio event handled in
# Python. Removal is confirmed inside the row first; copying needs no server at all.
_BRIDGE = r"""
(window.__qa = window.__qa || {})[NAME] = trigger;
if (!window.__qaBridge) {
  window.__qaBridge = true;
  const send = (name, data) => window.__qa[name] && window.__qa[name]('click', data);
  const page = (link) => Number((link.closest('.qa-articles') || {dataset: {}}).dataset.page || 0);
  const act = (label, href, extra) => {
    const a = document.createElement('a');
    a.className = 'qa-act' + (extra ? ' ' + extra : '');
    a.setAttribute('href', href);
    a.textContent = label;
    return a;
  };
  const copyText = (text) => {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement('textarea');  // plain-HTTP pages have no clipboard API
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
    return Promise.resolve();
  };
  const actions = {
    'qa:': (p) => {
      const data = {article: p.get('a')};
      if (p.has('h')) data.h = p.get('h');
      if (p.has('s')) { data.start = Number(p.get('s')); data.end = Number(p.get('e')); }
      send('reader', data);
    },
    'qa-page:': (p, link) => send('articles', {page: Number(p.get('p'))}),
    'qa-scope:': (p, link) => send('articles', {scope: p.get('a'), page: page(link)}),
    'qa-unscope:': (p) => send('scope', p.has('all') ? {clear: true} : {article: p.get('a')}),
    'qa-rm:': (p, link) => {
      const box = link.closest('.qa-row-actions');
      const target = new URLSearchParams({a: p.get('a')}).toString();
      const question = document.createElement('span');
      question.className = 'qa-confirm';
      question.textContent = 'Remove from the index?';
      box.__qaKept = [...box.childNodes];
      box.replaceChildren(question, act('Remove', '#qa-rm-yes:' + target, 'qa-danger'), act('Cancel', '#qa-rm-no:'));
      box.querySelector('.qa-danger').focus();
    },
    'qa-rm-no:': (p, link) => {
      const box = link.closest('.qa-row-actions');
      box.replaceChildren(...(box.__qaKept || []));
    },
    'qa-rm-yes:': (p, link) => {
      const box = link.closest('.qa-row-actions');
      const note = document.createElement('span');
      note.className = 'qa-confirm';
      note.textContent = 'Removing…';
      box.replaceChildren(note);
      send('remove', {article: p.get('a'), page: page(box)});
    },
    'qa-copy:': (p, link) => {
      const markdown = link.closest('.qa-actions').querySelector('.qa-md').textContent;
      copyText(markdown).then(() => {
        link.textContent = 'Copied';
        setTimeout(() => { link.textContent = 'Copy'; }, 1500);
      }, () => { link.textContent = 'Copy failed'; });
    },
    'qa-fb:': (p) => send('feedback', {answer: p.get('id'), rating: p.get('r')}),
  };
  // The chat does not follow the end of a long answer: each new question is brought to the top of
  // the chat box, so its answer is read from the start while the rest arrives below.
  let questions = 0;
  new MutationObserver(() => {
    const asked = document.querySelectorAll('#qa-chat .qa-question');
    if (asked.length === questions) return;
    questions = asked.length;
    const latest = asked[asked.length - 1];
    let box = latest && latest.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight && /auto|scroll/.test(getComputedStyle(box).overflowY))) {
      box = box.parentElement;
    }
    if (box && box !== document.documentElement && box !== document.body) {
      box.scrollTop += latest.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }
  }).observe(document.body, {childList: true, subtree: true});
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#qa"]');
    if (!link) return;
    const href = link.getAttribute('href').slice(1);
    const kind = Object.keys(actions).find((prefix) => href.startsWith(prefix));
    if (!kind) return;
    event.preventDefault();
    event.stopPropagation();
    actions[kind](new URLSearchParams(href.slice(kind.length)), link);
  }, true);
}
"""


def bridge_js(name: str) -> str:
    """``js_on_load`` for an element that receives the link actions named ``name``."""
    return _BRIDGE.replace("NAME", repr(name))


# The reading panel also scrolls its highlight into view whenever a passage opens.
READER_JS = bridge_js("reader") + r"""
watch('value', () => {
  const body = element.querySelector('.qa-doc-body');
  if (!body) return;
  const mark = body.querySelector('mark.qa-hl');
  body.scrollTop = mark ? Math.max(0, mark.offsetTop - body.clientHeight / 3) : 0;
  const box = element.getBoundingClientRect();
  if (box.top < 0 || box.top > window.innerHeight) element.scrollIntoView({block: 'start'});
});
"""

# Runs in the browser on every change of the question box: the length as the assistant counts it.
COUNTER_JS = r"""
(question) => {
  const counter = document.querySelector('#qa-counter .qa-counter');
  if (counter) {
    const length = (question || '').replace(/\s+/g, ' ').trim().length;
    const limit = Number(counter.dataset.limit);
    counter.textContent = length.toLocaleString('en') + ' / ' + limit.toLocaleString('en');
    counter.classList.toggle('qa-over', length > limit);
  }
  return [];
}
"""

CSS = r"""
/* A fixed width: sized to its content, the page would shrink whenever a narrow view opens. */
.gradio-container { width: 100% !important; max-width: 1440px !important; margin: 0 auto !important; }
#qa-header { padding: 4px 2px 0; }
#qa-header h1 { font-size: 1.45rem; margin: 0; font-weight: 600; letter-spacing: -0.01em; }
#qa-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); font-size: 0.92rem; }
.qa-question { white-space: pre-wrap; }
.qa-answer p.qa-text { margin: 0 0 0.55em; line-height: 1.6; }
.qa-answer p.qa-text:last-of-type { margin-bottom: 0.2em; }
a.qa-ref { font-weight: 600; text-decoration: none; padding: 0 0.2em; margin: 0 0.05em; border-radius: 4px;
  background: var(--color-accent-soft); color: var(--color-accent); cursor: pointer; }
a.qa-ref:hover { background: var(--color-accent); color: white; }
.qa-badge { display: inline-block; font-size: 0.72rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: 0.05em; padding: 0.15em 0.6em; border-radius: 999px; margin-bottom: 0.5em;
  background: #fef3c7; color: #92400e; }
.qa-abstain { border-left: 4px solid #f59e0b; padding-left: 0.8em; }
.qa-abstain p.qa-text { color: var(--body-text-color-subdued); }
.qa-error { border-left: 4px solid #ef4444; padding-left: 0.8em; }
.qa-error .qa-badge { background: #fee2e2; color: #991b1b; }
.qa-pending .qa-dots::after { content: "…"; animation: qa-blink 1s steps(2) infinite; }
@keyframes qa-blink { 50% { opacity: 0.2; } }
.qa-note { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-bottom: 0.4em; }
.qa-conflicts { font-size: 0.85rem; margin: 0.4em 0; padding: 0.35em 0.6em; border-radius: 6px;
  background: #fff7ed; color: #9a3412; }
.qa-passages { margin-top: 0.8em; padding-top: 0.6em; border-top: 1px solid var(--border-color-primary); }
.qa-passages-h { font-size: 0.72rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em;
  color: var(--body-text-color-subdued); margin-bottom: 0.45em; }
.qa-passages ol { list-style: none; padding: 0 !important; margin: 0 !important; display: flex;
  flex-direction: column; gap: 0.45em; }
.qa-passages li { margin: 0 !important; padding: 0 !important; }
.qa-passages li::before { content: none !important; }
a.qa-cite { display: block; text-decoration: none !important; color: inherit !important; cursor: pointer;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.5em 0.7em;
  background: var(--background-fill-primary); transition: border-color 0.15s; }
a.qa-cite:hover { border-color: var(--color-accent); }
.qa-cite-title { display: block; font-weight: 600; font-size: 0.82rem; color: var(--color-accent); }
.qa-quote { display: block; margin: 0.2em 0; font-size: 0.9rem; line-height: 1.5; }
.qa-quote::before { content: "“"; } .qa-quote::after { content: "”"; }
.qa-loc, .qa-doc-id { display: block; font-size: 0.72rem; color: var(--body-text-color-subdued);
  font-family: var(--font-mono); overflow-wrap: anywhere; }
#qa-reader { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 14px 16px;
  background: var(--background-fill-primary); }
.qa-doc-title { font-size: 1.1rem; font-weight: 600; line-height: 1.35; }
.qa-doc-meta { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-top: 2px; }
.qa-doc-url { font-size: 0.75rem; color: var(--body-text-color-subdued); word-break: break-all; }
.qa-doc-head { padding-bottom: 10px; margin-bottom: 10px; border-bottom: 1px solid var(--border-color-primary); }
.qa-doc-body { position: relative; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 62vh;
  overflow-y: auto; line-height: 1.65; font-size: 0.93rem; padding-right: 6px; }
mark.qa-hl { background: #fde68a; color: #111827; border-radius: 3px; padding: 0.1em 0;
  box-shadow: 0 0 0 2px #fde68a; }
.qa-empty { color: var(--body-text-color-subdued); font-size: 0.92rem; line-height: 1.6; }
/* The list scrolls inside its own box, so it never spills over the upload box or the page. */
.qa-pager { display: flex; align-items: center; gap: 0.5em; flex-wrap: wrap; font-size: 0.82rem;
  padding: 2px 0 6px; color: var(--body-text-color-subdued); }
.qa-pager .qa-shown { flex: 1 1 auto; text-align: center; min-width: 0; overflow-wrap: anywhere; }
.qa-list { max-height: min(52vh, 560px); overflow-y: auto; overscroll-behavior: contain;
  border: 1px solid var(--border-color-primary); border-radius: 8px; }
.qa-row { display: flex; gap: 0.6em; align-items: flex-start; justify-content: space-between; padding: 7px 9px;
  border-bottom: 1px solid var(--border-color-primary); font-size: 0.86rem; }
.qa-row:last-child { border-bottom: none; }
.qa-row-main { min-width: 0; flex: 1 1 auto; }
.qa-row-main a.qa-open { font-weight: 600; color: var(--color-accent); text-decoration: none; overflow-wrap: anywhere; }
.qa-row-meta { font-size: 0.74rem; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
.qa-row-actions { display: flex; flex-wrap: wrap; gap: 0.35em; justify-content: flex-end; flex: 0 0 auto;
  max-width: 48%; align-items: center; }
.qa-none { padding: 12px; }
a.qa-act, span.qa-act { display: inline-block; font-size: 0.78rem; line-height: 1.2; padding: 0.3em 0.6em;
  border-radius: 6px; border: 1px solid var(--border-color-primary); text-decoration: none !important;
  color: var(--body-text-color) !important; background: var(--background-fill-primary); cursor: pointer;
  white-space: nowrap; }
a.qa-act:hover { border-color: var(--color-accent); }
a.qa-act.qa-on { background: var(--color-accent-soft); border-color: var(--color-accent); }
a.qa-act.qa-danger { background: #dc2626; border-color: #dc2626; color: white !important; }
span.qa-act.qa-off { opacity: 0.45; cursor: default; }
.qa-confirm { font-size: 0.78rem; font-weight: 600; color: #b91c1c; }
.qa-actions { display: flex; gap: 0.4em; align-items: center; margin-top: 0.6em; }
.qa-md { display: none; }
a.qa-fb { width: 2.1em; height: 1.9em; padding: 0; position: relative; }
a.qa-fb::before { content: ""; position: absolute; inset: 0; margin: auto; width: 1em; height: 1em;
  background: currentColor; -webkit-mask: var(--qa-thumb) center / contain no-repeat; mask: var(--qa-thumb) center / contain no-repeat; }
a.qa-fb-up { --qa-thumb: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6c-.4.4-.6.9-.6 1.4v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z'/%3E%3C/svg%3E"); }
a.qa-fb-down { --qa-thumb: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z'/%3E%3C/svg%3E"); }
.qa-stopped { border-left: 4px solid var(--border-color-primary); padding-left: 0.8em; }
.qa-stopped p.qa-text { color: var(--body-text-color-subdued); }
#qa-counter { text-align: right; }
.qa-counter { font-size: 0.75rem; color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.qa-counter.qa-over { color: #b91c1c; font-weight: 700; }
.qa-chips { display: flex; flex-wrap: wrap; gap: 0.35em; margin-top: 0.4em; align-items: center; }
.qa-chip { display: inline-flex; align-items: center; gap: 0.3em; max-width: 100%; font-size: 0.78rem;
  background: var(--color-accent-soft); border-radius: 999px; padding: 0.1em 0.2em 0.1em 0.7em; }
.qa-chip-t { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.qa-chip a.qa-act { border: none; background: transparent; padding: 0.15em 0.45em; }
.qa-ok { padding: 0.5em 0.7em; border-radius: 6px; background: #ecfdf5; color: #065f46; font-size: 0.88rem; }
.qa-problem { padding: 0.5em 0.7em; border-radius: 6px; background: #fef2f2; color: #991b1b; font-size: 0.88rem;
  margin-top: 0.4em; overflow-wrap: anywhere; }
.qa-problem ul { margin: 0.3em 0 0 1.1em; }
"""


def theme():
    import gradio as gr

    # Fonts are served by the app itself, never from a CDN. Gradio's packaged SemiBold file is a
    # 55-glyph subset (bold headings lose letters to a fallback font), so semibold text is mapped
    # to the complete Bold file instead.
    sans = gr.themes.LocalFont("Source Sans Pro", weights=(400, 700))
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", radius_size="md",
                             font=[sans, "ui-sans-serif", "system-ui", "sans-serif"])
