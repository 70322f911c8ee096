from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

LOOP = Template(
    '{% for value, label in choices %}<option value="{{ value }}" '
    "{% if value == selected %}selected{% endif %}>{{ label }}</option>{% endfor %}"
)
TAG = Template("{% select_options choices selected %}")


class SelectOptionsTests(SimpleTestCase):
    def test_it_writes_what_the_template_loop_wrote(self):
        choices = [
            ("", gettext_lazy("All projects")),
            (4, "1003 <Bygg> & Co"),
            (12, mark_safe("<i>A</i>")),
        ]
        for selected in (None, 4, 12, "x"):
            with self.subTest(selected=selected):
                context = Context({"choices": choices, "selected": selected})
                self.assertEqual(TAG.render(context), LOOP.render(context))

    def test_it_marks_the_chosen_value_and_escapes_labels(self):
        html = TAG.render(Context({"choices": [(1, 'A "quoted" <b>')], "selected": 1}))
        self.assertEqual(html, '<option value="1" selected>A &quot;quoted&quot; &lt;b&gt;</option>')

    def test_it_keeps_safe_labels_as_they_are(self):
        html = TAG.render(Context({"choices": [(1, mark_safe("<b>A</b>"))], "selected": None}))
        self.assertEqual(html, '<option value="1" ><b>A</b></option>')
