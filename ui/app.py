"""The page: chat on the left, reader and articles on the right."""
import gradio as gr

from ui import render
from ui.access import Access
from ui.chat import EXAMPLES, make_responder, new_conversation
from ui.corpus import UPLOAD_TYPES, CorpusHandlers
from ui.security import middleware
from ui.theme import BRIDGE_JS, CSS, theme

# Answering is thread-safe and mostly waits on streaming, so many sessions can run at once;
# corpus changes are serialised by the assistant anyway, one queue slot keeps them in order.
CHAT_CONCURRENCY = 16
AUTH_MESSAGE = "Sign in to ask about the articles."


def build_app(assistant, accounts=None):
    corpus = CorpusHandlers(assistant)
    access = Access(assistant.settings, accounts)
    answer = make_responder(assistant)

    def respond(question, session, request: gr.Request):
        with access.running(request):
            yield from answer(question, session)

    with gr.Blocks(title="Article QA", analytics_enabled=False) as demo:
        session = gr.State(None)
        header = gr.HTML(render.header_html(), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="qa-chat", show_label=False, height="70vh", render_markdown=False,
                    sanitize_html=True, latex_delimiters=[], feedback_options=None, buttons=[],
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="Ask a question about the news articles, or try one of these:",
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        elem_id="qa-question", show_label=False, container=False, scale=8, lines=1,
                        max_lines=4, placeholder="Ask about the articles…", autofocus=True,
                    )
                    ask = gr.Button("Ask", elem_id="qa-ask", variant="primary", scale=1, min_width=90)
                    clear = gr.Button("New chat", elem_id="qa-new", variant="secondary", scale=1, min_width=110)
            with gr.Column(scale=2, min_width=360):
                with gr.Tabs(selected="reader") as tabs:
                    with gr.Tab("Reader", id="reader"):
                        reader = gr.HTML(render.reader_placeholder(), elem_id="qa-reader", js_on_load=BRIDGE_JS)
                    with gr.Tab("Articles", id="articles") as articles_tab:
                        articles = gr.HTML(elem_id="qa-articles", js_on_load=None)
                        upload = gr.File(
                            elem_id="qa-upload", label="Add articles: " + " ".join(UPLOAD_TYPES),
                            file_count="multiple", file_types=UPLOAD_TYPES, height=120,
                        )
                        status = gr.HTML(elem_id="qa-status", js_on_load=None)
                        to_remove = gr.Dropdown(elem_id="qa-remove-choice", label="Remove an article",
                                                choices=[], value=None)
                        remove = gr.Button("Remove from the index", elem_id="qa-remove", variant="stop", size="sm")

        chat_io = dict(inputs=[question, session], outputs=[question, chatbot, session],
                       concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat", show_progress="hidden",
                       trigger_mode="multiple")
        question.submit(respond, api_name="chat", **chat_io)
        ask.click(respond, api_visibility="private", **chat_io)

        def pick_example(evt: gr.SelectData):
            return evt.value["text"]

        chatbot.example_select(pick_example, None, question, api_visibility="private").then(
            respond, api_visibility="private", **chat_io)
        clear.click(new_conversation, session, [chatbot, session], api_visibility="private")
        chatbot.clear(new_conversation, session, [chatbot, session], api_visibility="private")

        def open_passage(evt: gr.EventData):
            return corpus.open_passage(evt._data or {}), gr.Tabs(selected="reader")

        reader.click(open_passage, None, [reader, tabs], api_visibility="private",
                     concurrency_limit=CHAT_CONCURRENCY, concurrency_id="reader", show_progress="hidden")

        def listed_as(html, choices):
            return render.header_html(len(choices)), html, gr.Dropdown(choices=choices, value=None)

        def listing():
            return listed_as(*corpus.listing())

        def do_upload(paths, request: gr.Request, progress=gr.Progress()):
            with access.editing(request):
                message, *current = corpus.upload(paths, progress)
            return message, *listed_as(*current), None

        def do_remove(article_id, request: gr.Request, progress=gr.Progress()):
            with access.editing(request):
                message, *current = corpus.remove(article_id, progress)
            return message, *listed_as(*current)

        listed = [header, articles, to_remove]
        quiet = dict(api_visibility="private", show_progress="hidden")
        demo.load(listing, None, listed, **quiet)
        editing = [upload, to_remove, remove]
        demo.load(access.edit_controls(len(editing)), None, editing, **quiet)
        articles_tab.select(listing, None, listed, **quiet)
        # One progress bar, where the outcome will be reported, rather than one over every output.
        corpus_io = dict(concurrency_limit=1, concurrency_id="corpus", api_visibility="private",
                         show_progress="full", show_progress_on=status)
        upload.upload(do_upload, upload, [status, *listed, upload], **corpus_io)
        remove.click(do_remove, to_remove, [status, *listed], **corpus_io)
    return demo


def launch(demo, host: str, port: int, max_file_bytes: int, settings, accounts=None, block: bool = True) -> None:
    """Serve ``demo``; ``block=False`` returns once it listens (tests run it in their own process)."""
    demo.queue(max_size=settings.queue_size).launch(
        server_name=host, server_port=port, share=False, inbrowser=False, show_error=False,
        prevent_thread_lock=not block, quiet=not block,
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False,
        theme=theme(), css=CSS, footer_links=["api", "settings"], max_file_size=max_file_bytes,
        auth=accounts.check if accounts else None, auth_message=AUTH_MESSAGE,
        app_kwargs={"middleware": middleware(settings, accounts)},
    )
