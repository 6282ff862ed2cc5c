/* 民情地图: the reader's display preferences, applied before the page is drawn. 大字 (large text) is kept in
   localStorage on this device; the header's 大字 button (minqing.js) switches it. */
(function () {
  "use strict";

  try {
    if (window.localStorage.getItem("mq-large-text") === "1") {
      document.documentElement.classList.add("mq-large");
    }
  } catch (e) {
    /* storage refused (private mode): normal text */
  }
})();
