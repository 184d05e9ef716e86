"""Look of the page and the one piece of page script (the citation-link bridge)."""
from __future__ import annotations

# Runs once when the reading panel mounts. Links anywhere in the page (answers in the chat,
# the articles list) carry their target as "#qa:a=<id>&s=<start>&e=<end>&h=<hash>"; a click is turned
# into the panel's own `click` event with that data, so opening a citation is an ordinary
# Gradio event handled in Python. The latest `trigger` is kept because Gradio may remount
# the panel, while the document listener must be installed only once.
BRIDGE_JS = r"""
window.__qaTrigger = trigger;
if (!window.__qaBridge) {
  window.__qaBridge = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#qa:"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const params = new URLSearchParams(link.getAttribute('href').slice(4));
    const data = {article: params.get('a')};
    if (params.has('h')) data.h = params.get('h');
    if (params.has('s')) {
      data.start = Number(params.get('s'));
      data.end = Number(params.get('e'));
    }
    window.__qaTrigger('click', data);
  }, true);
}
watch('value', () => {
  const body = element.querySelector('.qa-doc-body');
  if (!body) return;
  const mark = body.querySelector('mark.qa-hl');
  body.scrollTop = mark ? Math.max(0, mark.offsetTop - body.clientHeight / 3) : 0;
  const box = element.getBoundingClientRect();
  if (box.top < 0 || box.top > window.innerHeight) element.scrollIntoView({block: 'start'});
});
"""

CSS = r"""
.gradio-container { max-width: 1440px !important; margin: 0 auto !important; }
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
  font-family: var(--font-mono); word-break: break-all; }
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
.qa-articles table { width: 100%; border-collapse: collapse; font-size: 0.86rem; border: none !important; }
.qa-articles tr, .qa-articles th, .qa-articles td { border-left: none !important; border-right: none !important;
  border-top: none !important; }
.qa-articles th { text-align: left; font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--body-text-color-subdued); border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; }
.qa-articles td { vertical-align: top; border-bottom: 1px solid var(--border-color-primary); padding: 6px; }
.qa-articles td.qa-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.qa-articles a.qa-open { font-weight: 600; color: var(--color-accent); text-decoration: none; }
#qa-articles { max-height: 46vh; overflow-y: auto; }
#qa-status { min-height: 72px; }
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
