"""plankb web app: ``streamlit run app.py -- --index DIR`` (or set $PLANKB_INDEX).

This entry script only wires the pages; each view is a small module under views/.
"""

import streamlit as st

st.set_page_config(page_title="规划文档检索 plankb", page_icon=":material/description:", layout="wide")

pages = [
    st.Page("views/search.py", title="问答检索", icon=":material/search:", default=True),
    st.Page("views/browse.py", title="文档浏览", icon=":material/menu_book:", url_path="browse"),
    st.Page("views/targets.py", title="目标指标", icon=":material/bar_chart:", url_path="targets"),
    st.Page("views/related.py", title="关联条款", icon=":material/link:", url_path="related"),
    st.Page("views/basket.py", title="引用与备忘录", icon=":material/push_pin:", url_path="basket"),
    st.Page("views/manage.py", title="文档管理", icon=":material/folder_open:", url_path="manage"),
]
st.navigation(pages).run()
