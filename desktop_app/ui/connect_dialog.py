"""Connect to a deployment: Dagster+ by organization + deployment + user
token, or any URL (+ token). "Test connection" asks the server who we are
in the background; the token field never echoes.

The list at the top holds the saved profiles (and the embedded demo):
choosing one fills the form (its token stays in the keyring and is used
when the field is left empty); "Forget" drops one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.session import Capabilities, Viewer
from desktop_app.ui.credentials import SavedConnection
from desktop_app.ui.plain_text import PlainLabel
from desktop_app.ui.profiles import EMBEDDED_NAME, Profile
from desktop_app.ui.tasks import TaskRunner


def probe(settings: ConnectionSettings) -> tuple[Capabilities, Viewer]:
    """Worker side of "Test connection": what the server is and who we are."""
    client = DeploymentClient(settings)
    try:
        return client.capabilities(), client.viewer()
    finally:
        client.close()


class ConnectDialog(QDialog):
    """Signals: tested(bool, str) after each connection test;
    forget_requested(str): "Forget" on a saved profile (by name);
    embedded_requested(): "Use the embedded demo" (the dialog then closes)."""

    tested = Signal(bool, str)
    forget_requested = Signal(str)
    embedded_requested = Signal()

    def __init__(
        self,
        tasks: TaskRunner,
        saved: SavedConnection | None = None,
        parent: QWidget | None = None,
        profiles: list[Profile] | None = None,
        stored_token: Callable[[Profile], str | None] | None = None,
        embedded: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to a deployment")
        self.resize(560, 460)
        self._tasks = tasks
        self._testing = False
        self._profiles = {p.name: p for p in profiles or []}
        self._stored_token = stored_token
        self._embedded = embedded

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Saved deployments:"))
        self.profile_list = QListWidget()
        self.profile_list.setObjectName("connectProfiles")
        self.profile_list.setMaximumHeight(5 * self.fontMetrics().lineSpacing() + 12)
        if embedded:
            item = QListWidgetItem(EMBEDDED_NAME)
            item.setData(Qt.ItemDataRole.UserRole, None)
            item.setToolTip("The bundled deployment server with demo data, on this computer.")
            self.profile_list.addItem(item)
        for profile in self._profiles.values():
            item = QListWidgetItem(profile.name)
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            item.setToolTip(profile.describe())
            self.profile_list.addItem(item)
        self.profile_list.currentItemChanged.connect(lambda *_: self._on_profile_chosen())
        self.profile_list.itemDoubleClicked.connect(lambda _item: self._use_chosen())
        layout.addWidget(self.profile_list)
        profile_buttons = QHBoxLayout()
        self.forget_button = QPushButton("Forget")
        self.forget_button.setObjectName("forgetProfileButton")
        self.forget_button.setToolTip("Remove the chosen profile and its stored token.")
        self.forget_button.clicked.connect(self.forget_chosen)
        self.embedded_button = QPushButton("Use the embedded demo")
        self.embedded_button.setObjectName("embeddedDemoButton")
        self.embedded_button.setEnabled(embedded)
        self.embedded_button.clicked.connect(self._use_embedded)
        profile_buttons.addWidget(self.forget_button)
        profile_buttons.addStretch(1)
        profile_buttons.addWidget(self.embedded_button)
        layout.addLayout(profile_buttons)
        name_form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("connectProfileName")
        self.name.setPlaceholderText("a name for this deployment (optional)")
        name_form.addRow("Name:", self.name)
        layout.addLayout(name_form)

        self.plus_radio = QRadioButton("Dagster+ organization and deployment")
        self.url_radio = QRadioButton(
            "Deployment URL (Dagster+, bundled server or dagster-webserver)"
        )
        group = QButtonGroup(self)
        group.addButton(self.plus_radio)
        group.addButton(self.url_radio)
        form = QFormLayout()
        self.organization = QLineEdit()
        self.organization.setObjectName("connectOrganization")
        self.organization.setPlaceholderText("acme")
        self.deployment = QLineEdit()
        self.deployment.setObjectName("connectDeployment")
        self.deployment.setPlaceholderText("prod")
        self.url = QLineEdit()
        self.url.setObjectName("connectUrl")
        self.url.setPlaceholderText("https://acme.dagster.cloud/prod or http://localhost:3000")
        self.token = QLineEdit()
        self.token.setObjectName("connectToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("user token (not needed for dagster-webserver)")
        layout.addWidget(self.plus_radio)
        form.addRow("Organization:", self.organization)
        form.addRow("Deployment:", self.deployment)
        layout.addLayout(form)
        layout.addWidget(self.url_radio)
        url_form = QFormLayout()
        url_form.addRow("URL:", self.url)
        layout.addLayout(url_form)
        token_form = QFormLayout()
        token_form.addRow("Token:", self.token)
        layout.addLayout(token_form)

        self.result_label = PlainLabel()  # the server's answer
        self.result_label.setObjectName("connectResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)

        self.buttons = QDialogButtonBox()
        self.test_button: QPushButton = self.buttons.addButton(
            "Test connection", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.connect_button: QPushButton = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.test_button.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        for edit in (self.organization, self.deployment):
            edit.textEdited.connect(lambda _text: self.plus_radio.setChecked(True))
        self.url.textEdited.connect(lambda _text: self.url_radio.setChecked(True))
        for edit in (self.organization, self.deployment, self.url, self.token):
            edit.textChanged.connect(self._update_buttons)
        group.buttonToggled.connect(lambda *_: self._update_buttons())

        if saved and not saved.url:
            self.organization.setText(saved.organization or "")
            self.deployment.setText(saved.deployment or "")
            self.plus_radio.setChecked(True)
        else:
            self.url.setText(saved.url if saved and saved.url else "")
            self.url_radio.setChecked(True)
        self._update_buttons()
        self._update_profile_buttons()

    # -- profiles --------------------------------------------------------------
    def chosen_profile(self) -> Profile | None:
        item = self.profile_list.currentItem()
        name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return self._profiles.get(name) if name else None

    def _update_profile_buttons(self) -> None:
        self.forget_button.setEnabled(self.chosen_profile() is not None)

    def _on_profile_chosen(self) -> None:
        self._update_profile_buttons()
        profile = self.chosen_profile()
        if profile is None:
            return
        self.name.setText(profile.name)
        self.token.clear()
        has_token = self._stored_token is not None and bool(self._stored_token(profile))
        self.token.setPlaceholderText(
            "saved for this profile (type to replace)" if has_token else "user token"
        )
        if profile.url:
            self.url.setText(profile.url)
            self.url_radio.setChecked(True)
        else:
            self.organization.setText(profile.organization or "")
            self.deployment.setText(profile.deployment or "")
            self.plus_radio.setChecked(True)

    def _use_chosen(self) -> None:
        item = self.profile_list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) is None and self._embedded:
            self._use_embedded()
        elif self.settings() is not None:
            self.accept()

    def _use_embedded(self) -> None:
        self.embedded_requested.emit()
        self.reject()

    def forget_chosen(self) -> None:
        profile = self.chosen_profile()
        if profile is None:
            return
        del self._profiles[profile.name]
        row = self.profile_list.currentRow()
        self.profile_list.takeItem(row)
        self.forget_requested.emit(profile.name)
        self._update_profile_buttons()

    def profile(self) -> Profile | None:
        """The profile the form describes, named as typed (or after its address)."""
        settings = self.settings()
        if settings is None:
            return None
        name = self.name.text().strip()
        if settings.url:
            return Profile(name or settings.url, url=settings.url)
        default = f"{settings.organization}/{settings.deployment}"
        return Profile(
            name or default, organization=settings.organization, deployment=settings.deployment
        )

    def token_for(self, profile: Profile) -> str | None:
        """The typed token, else the one stored for that profile."""
        typed = self.token.text().strip()
        if typed:
            return typed
        stored = self._profiles.get(profile.name)
        if stored is not None and stored.saved.key == profile.saved.key and self._stored_token:
            return self._stored_token(stored)
        return None

    def settings(self) -> ConnectionSettings | None:
        token = self.token.text().strip() or None
        if self.plus_radio.isChecked():
            org, deployment = self.organization.text().strip(), self.deployment.text().strip()
            if not (org and deployment):
                return None
            return ConnectionSettings(organization=org, deployment=deployment, token=token)
        url = self.url.text().strip()
        return ConnectionSettings(url=url, token=token) if url else None

    def saved_connection(self) -> SavedConnection | None:
        settings = self.settings()
        if settings is None:
            return None
        return SavedConnection(
            url=settings.url, organization=settings.organization, deployment=settings.deployment
        )

    def _update_buttons(self) -> None:
        ready = self.settings() is not None
        self.test_button.setEnabled(ready and not self._testing)
        self.connect_button.setEnabled(ready)

    def _show(self, ok: bool, text: str) -> None:
        self.result_label.setProperty("ok", "true" if ok else "false")
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)
        self.result_label.setText(text)

    def test_connection(self) -> bool:
        settings = self.settings()
        if settings is None or self._testing:
            return False
        try:
            settings.graphql_url()
        except ValueError as exc:
            self._show(False, str(exc))
            self.tested.emit(False, str(exc))
            return False
        self._testing = True
        self._update_buttons()
        self._show(True, "Testing…")
        self._tasks.run_io(
            "test connection",
            lambda: probe(settings),
            on_success=self._on_probe,
            on_failure=self._on_probe_failed,
            owner=self,
        )
        return True

    def _on_probe(self, answer: tuple[Capabilities, Viewer]) -> None:
        capabilities, viewer = answer
        self._testing = False
        self._update_buttons()
        kind = "history API" if capabilities.history_api else "open-source webserver"
        text = f"Connected as {viewer.describe()} — {kind}"
        if not capabilities.deploy:
            text += "; this server cannot roll back"
        self._show(True, text)
        self.tested.emit(True, text)

    def _on_probe_failed(self, exc: BaseException) -> None:
        self._testing = False
        self._update_buttons()
        self._show(False, f"Could not connect: {exc}")
        self.tested.emit(False, str(exc))
