// One notice: its facts, its text as the server rendered it from Markdown, its links, and
// for the reader's own notices Publish (a draft) and Withdraw.

import { api } from "../api.js";
import { h, badge, externalLink } from "../dom.js";
import { t, day, statusText, languageName } from "../i18n.js";
import { facts, heading, say, actionButton } from "../ui.js";
import { formatted } from "../markup.js";
import { ownIds } from "../members.js";
import { topicNamer, topicTags } from "../topics.js";
import { kindBadge } from "./notices.js";

export async function render(main, [id], _query, { isCurrent }) {
  const [name, own] = await Promise.all([topicNamer(), ownIds()]);
  const draw = async () => {
    const notice = await api(`v1/notices/${id}`);
    if (!isCurrent()) return;
    const mine = own.has(notice.organization_id);
    const change = async (work, message) => {
      await work();
      say(message);
      await draw();
    };
    const actions = [];
    if (mine && notice.status === "draft") {
      actions.push(
        actionButton(t("notice.publish"), () => change(() => api(`v1/notices/${id}`, { method: "PATCH", body: { status: "published" } }), t("notice.publishedNow")), { kind: "primary" }),
      );
    }
    if (mine && notice.status !== "withdrawn") {
      actions.push(actionButton(t("notice.withdraw"), () => change(() => api(`v1/notices/${id}`, { method: "DELETE" }), t("notice.withdrawnNow")), { kind: "danger" }));
    }
    const parts = [
      heading(`${t("notice.heading")}: ${notice.title}`),
      h("p", { class: "actions" }, kindBadge(notice.kind), badge(notice.status, statusText(notice.status))),
      facts([
        [t("fact.organizer"), notice.organization_name],
        [t("notice.deadline"), notice.deadline ? day(notice.deadline) : null],
        [t("fact.topics"), topicTags(notice.topics, name)],
        [t("fact.language"), notice.language ? languageName(notice.language) : null],
        [t("fact.visibility"), statusText(notice.visibility)],
        [t("notice.published"), notice.published_at ? day(notice.published_at) : null],
        [t("notice.withdrawn"), notice.withdrawn_at ? day(notice.withdrawn_at) : null],
      ]),
      h(
        "section",
        { "aria-labelledby": "notice-text-title" },
        h("h2", { id: "notice-text-title", class: "sr-only" }, t("notice.text")),
        // The server's HTML, copied through markup.js's allow-list; nothing else is HTML.
        h("div", { class: "notice-body", id: "notice-body" }, formatted(notice.body_html)),
      ),
      notice.links.length
        ? h(
            "section",
            { "aria-labelledby": "notice-links-title" },
            h("h2", { id: "notice-links-title" }, t("notice.links")),
            h("ul", { id: "notice-links" }, notice.links.map((link) => h("li", {}, externalLink(link.url, link.title)))),
          )
        : null,
      actions.length ? h("div", { class: "actions" }, actions) : null,
      h("p", {}, h("a", { href: "#/notices" }, t("notice.back"))),
    ];
    main.replaceChildren(...parts.filter(Boolean));
  };
  await draw();
}
