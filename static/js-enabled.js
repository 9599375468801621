// GOV.UK Frontend's body classes, set before the page is drawn: loaded at the top of <body>, as
// a file rather than inline because the Content-Security-Policy allows no inline script.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
