"""Connect to a deployment: Dagster+ by organization + deployment + user
token, or any URL (+ token). "Test connection" asks the server who we are
in the background; the token field never echoes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.client import ConnectionSettings, DeploymentClient
from desktop_app.core.session import Capabilities, Viewer
from desktop_app.ui.credentials import SavedConnection
from desktop_app.ui.tasks import TaskRunner


def probe(settings: ConnectionSettings) -> tuple[Capabilities, Viewer]:
    """Worker side of "Test connection": what the server is and who we are."""
    client = DeploymentClient(settings)
    try:
        return client.capabilities(), client.viewer()
    finally:
        client.close()


class ConnectDialog(QDialog):
    """Signals: tested(bool, str) after each connection test."""

    tested = Signal(bool, str)

    def __init__(
        self,
        tasks: TaskRunner,
        saved: SavedConnection | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to a deployment")
        self.resize(520, 300)
        self._tasks = tasks
        self._testing = False

        layout = QVBoxLayout(self)
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

        self.result_label = QLabel()
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
