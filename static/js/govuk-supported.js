// Run first thing in <body> (a file, not an inline script, so the Content-Security-Policy needs no
// exception): GOV.UK Frontend styles its JavaScript-enhanced components only when these are set.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
