// Dashboard webview entry point.
document.body.textContent = 'PostgreSQL Health dashboard';
