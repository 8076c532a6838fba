"""The console's forms (WTForms), with Thai labels and messages.

CSRF is checked for every POST by the blueprint (bot/console/auth.py), so forms here are
plain wtforms.Form; templates add the token with the `csrf_field()` macro.
"""
from __future__ import annotations

from wtforms import Form, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from bot.console.auth import EVERY_ROLE, ROLE_LABELS

REQUIRED = "กรุณากรอกช่องนี้"


class LoginForm(Form):
    username = StringField("ชื่อผู้ใช้", [DataRequired(REQUIRED), Length(max=64)], render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("รหัสผ่าน", [DataRequired(REQUIRED), Length(max=256)], render_kw={"autocomplete": "current-password"})


def _role_choices():
    return [SelectChoice(role, ROLE_LABELS[role]) for role in EVERY_ROLE]


class NewUserForm(Form):
    username = StringField(
        "ชื่อผู้ใช้ (ภาษาอังกฤษตัวเล็ก)",
        [DataRequired(REQUIRED), Length(max=32)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        description="เช่น somchai.k ใช้ตอนเข้าสู่ระบบ",
    )
    display_name = StringField("ชื่อ-นามสกุล", [Length(max=100)], description="แสดงในหน้าจอและบันทึกการใช้งาน")
    # Choices are checked by bot/console/accounts.py, which explains a wrong one in Thai.
    role = SelectField("บทบาท", choices=_role_choices(), validate_choice=False)
    division_id = SelectField("กอง (สำหรับเจ้าหน้าที่ประจำกอง)", choices=[], validate_choice=False)


class RoleForm(Form):
    # Choices are checked by bot/console/accounts.py, which explains a wrong one in Thai.
    role = SelectField("บทบาท", choices=_role_choices(), validate_choice=False)
    division_id = SelectField("กอง (สำหรับเจ้าหน้าที่ประจำกอง)", choices=[], validate_choice=False)


class DisplayNameForm(Form):
    display_name = StringField("ชื่อ-นามสกุล", [Length(max=100)])


class ChangePasswordForm(Form):
    current = PasswordField("รหัสผ่านปัจจุบัน", [DataRequired(REQUIRED)], render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        "รหัสผ่านใหม่",
        [DataRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
        description="อย่างน้อย 10 ตัวอักษร เช่น ประโยคสั้น ๆ ที่จำได้ง่ายแต่คนอื่นเดายาก",
    )
    confirm = PasswordField(
        "พิมพ์รหัสผ่านใหม่อีกครั้ง",
        [DataRequired(REQUIRED), EqualTo("new", "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน")],
        render_kw={"autocomplete": "new-password"},
    )


def division_choices(divisions, blank: str = "— ไม่สังกัดกอง —") -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(d.id, d.name) for d in divisions]
