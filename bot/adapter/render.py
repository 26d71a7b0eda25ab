"""Every embed and message the bot sends, built in one place and always within limits."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.adapter import limits
from bot.adapter.limits import clip, one_line
from bot.domain.enums import AuditAction, Side, Stance
from bot.domain.scoring import STANCES
from bot.services.views import (
    ArgumentView,
    AuditEntry,
    AuditPage,
    DebateView,
    MotionView,
    PhaseChange,
    ResultsView,
    SettingEntry,
    StatusView,
)
from bot.summaries.rendered import RenderedSummary

NO_MENTIONS = discord.AllowedMentions.none()

COLOURS = {
    Side.FOR: discord.Colour.green(),
    Side.AGAINST: discord.Colour.red(),
    Side.AUDIENCE: discord.Colour.light_grey(),
}
SIDE_NAMES = {Side.FOR: "For", Side.AGAINST: "Against", Side.AUDIENCE: "Audience"}
STANCE_NAMES = {Stance.FOR: "For", Stance.AGAINST: "Against", Stance.UNDECIDED: "Undecided"}
STAGE_NAMES = {"pre": "before the debate", "post": "after the debate", "open": "running vote"}
KIND_NAMES = {"opening": "Opening", "claim": "Claim", "rebuttal": "Rebuttal", "closing": "Closing"}


def when(moment: datetime | None) -> str:
    """A Discord timestamp that each reader sees in their own time zone."""
    if moment is None:
        return "no deadline"
    unix = int(moment.timestamp())
    return f"<t:{unix}:f> (<t:{unix}:R>)"


def fit(embed: discord.Embed) -> discord.Embed:
    """Clip every part of ``embed`` to Discord's limits, including the 6000 total."""
    if embed.title:
        embed.title = clip(embed.title, limits.EMBED_TITLE)
    if embed.description:
        embed.description = clip(embed.description, limits.EMBED_DESCRIPTION)
    fields = embed.fields[: limits.EMBED_FIELDS]
    embed.clear_fields()
    for f in fields:
        embed.add_field(
            name=clip(f.name or "\u200b", limits.FIELD_NAME),
            value=clip(f.value or "\u200b", limits.FIELD_VALUE),
            inline=bool(f.inline),
        )
    if embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, limits.FOOTER))
    overflow = len(embed) - limits.EMBED_TOTAL
    if overflow > 0 and embed.description:
        keep = max(1, len(embed.description) - overflow)
        embed.description = clip(embed.description, keep)
    while len(embed) > limits.EMBED_TOTAL and embed.fields:
        embed.remove_field(-1)
    return embed


def motion_card(debate: DebateView, *, sides: dict[Side, int] | None = None) -> discord.Embed:
    """The motion card: motion, source paragraph, format, phase, deadline."""
    motion = debate.motion
    embed = discord.Embed(
        title=f"Debate #{debate.id}: motion",
        description=motion.text,
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Source", value=_source(motion), inline=False)
    embed.add_field(name="Format", value=debate.format_title, inline=True)
    embed.add_field(name="Phase", value=debate.phase_title, inline=True)
    embed.add_field(name="Deadline", value=when(debate.phase_deadline), inline=True)
    if sides is not None:
        counts = " · ".join(f"{SIDE_NAMES[s]}: {n}" for s, n in sides.items())
        embed.add_field(name="Participants", value=counts, inline=False)
    if debate.locked:
        embed.add_field(name="Paused", value="A moderator paused submissions.", inline=False)
    embed.set_footer(
        text="Join a side with the buttons or /debate join; vote with the Vote button or /vote."
    )
    return fit(embed)


def _source(motion: MotionView) -> str:
    if motion.context:
        return f"{motion.source}: {motion.context}"
    return motion.source


def argument_card(argument: ArgumentView) -> discord.Embed:
    """An argument as posted in the thread: ``#n``, side, kind, author, rebutted ``#m``, text."""
    kind = KIND_NAMES.get(argument.kind.value, argument.kind.value)
    title = f"#{argument.number} · {SIDE_NAMES[argument.side]} · {kind}"
    if argument.parent_number is not None:
        title += f" · rebuts #{argument.parent_number}"
    if argument.status.value == "removed":
        embed = discord.Embed(
            title=title,
            description=f"*Removed by a moderator.* Reason: {argument.removed_reason or '—'}",
            colour=discord.Colour.dark_grey(),
        )
    else:
        embed = discord.Embed(title=title, description=argument.body, colour=COLOURS[argument.side])
    embed.add_field(name="Author", value=f"<@{argument.author_id}>", inline=True)
    embed.timestamp = argument.created_at
    return fit(embed)


def phase_announcement(change: PhaseChange) -> discord.Embed:
    """A phase change, with the new phase and its deadline."""
    debate = change.debate
    return phase_embed(
        debate.id,
        title=debate.phase_title,
        previous_title=change.previous_title,
        deadline=debate.phase_deadline,
        ended=change.ended,
    )


def phase_embed(
    debate_id: int, *, title: str, previous_title: str, deadline: datetime | None, ended: bool
) -> discord.Embed:
    """The announcement of a phase change, from the facts its outbox row keeps."""
    if ended:
        embed = discord.Embed(
            title=f"Debate #{debate_id} is closed",
            description=f"The {previous_title.lower()} phase ended and the debate is over.",
            colour=discord.Colour.gold(),
        )
    else:
        embed = discord.Embed(
            title=f"Now: {title}",
            description=f"The {previous_title.lower()} phase is over.",
            colour=discord.Colour.blurple(),
        )
        embed.add_field(name="Deadline", value=when(deadline), inline=False)
    return fit(embed)


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def _points(value: float) -> str:
    return f"{value:+.0f} points"


def results_embed(results: ResultsView) -> discord.Embed:
    """Pre and post percentages, swing per side, and the winner."""
    result = results.outcome
    embed = discord.Embed(
        title=f"Results of debate #{results.debate.id}",
        description=results.debate.motion.text,
        colour=discord.Colour.gold(),
    )
    if result.pre is not None:
        for label, stage in (("Before", result.pre), ("After", result.post)):
            line = " · ".join(
                f"{STANCE_NAMES[s]} {_pct(stage.percent(s))} ({stage.counts[s]})" for s in STANCES
            )
            embed.add_field(name=f"{label} ({stage.total} votes)", value=line, inline=False)
        swing = " · ".join(
            f"{STANCE_NAMES[s]} {_points(result.swing[s])}" for s in (Stance.FOR, Stance.AGAINST)
        )
        embed.add_field(name="Swing", value=swing, inline=False)
    else:
        line = " · ".join(
            f"{STANCE_NAMES[s]} {_pct(result.post.percent(s))} ({result.post.counts[s]})"
            for s in STANCES
        )
        embed.add_field(name=f"Votes ({result.post.total})", value=line, inline=False)
    if result.winner is None:
        verdict = "A tie: neither side gained more than the other."
    else:
        verdict = f"**{STANCE_NAMES[result.winner]}** wins"
        if result.pre is not None:
            verdict += f" with a swing of {_points(result.swing[result.winner])}."
    embed.add_field(name="Winner", value=verdict, inline=False)
    return fit(embed)


def status_embed(status: StatusView) -> discord.Embed:
    """Phase, time left, sides, argument counts, vote counts (tallies only when visible)."""
    debate = status.debate
    embed = discord.Embed(
        title=f"Debate #{debate.id} · {debate.phase_title}",
        description=debate.motion.text,
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Deadline", value=when(debate.phase_deadline), inline=True)
    embed.add_field(name="Format", value=debate.format_title, inline=True)
    if debate.locked:
        embed.add_field(name="Paused", value="Submissions are paused.", inline=True)
    embed.add_field(
        name="Sides",
        value=" · ".join(f"{SIDE_NAMES[s]}: {n}" for s, n in status.sides.items()),
        inline=False,
    )
    for side, kinds in status.arguments.items():
        counts = ", ".join(f"{n} {KIND_NAMES[k.value].lower()}" for k, n in kinds.items() if n)
        embed.add_field(name=f"{SIDE_NAMES[side]} arguments", value=counts or "none", inline=True)
    for stage in status.votes:
        if stage.counts is None:
            value = f"{stage.voters} voted (tallies are shown when the debate closes)"
        else:
            value = " · ".join(f"{STANCE_NAMES[s]} {stage.counts[s]}" for s in STANCES)
        embed.add_field(
            name=f"Votes: {STAGE_NAMES.get(stage.stage, stage.stage)}", value=value, inline=False
        )
    return fit(embed)


def debate_list(debates: list[DebateView]) -> discord.Embed:
    lines = [
        f"**#{d.id}** <#{d.channel_id}> · {d.phase_title} · {one_line(d.motion.text, 90)}"
        for d in debates
    ]
    return fit(
        discord.Embed(
            title="Debates in this server",
            description="\n".join(lines) or "No debates yet. Start one with /debate start.",
        )
    )


def motion_list(motions: list[MotionView]) -> discord.Embed:
    lines = []
    for motion in motions:
        where = f"essay ¶{motion.paragraphs}" if motion.builtin else "this server"
        lines.append(f"`{motion.id}` {one_line(motion.text, 200)} *({where})*")
    return fit(discord.Embed(title="Motions", description="\n".join(lines)))


ACTION_NAMES = {
    "debate_started": "started the debate",
    "phase_advanced": "advanced the phase",
    "phase_extended": "extended the phase",
    "debate_ended": "ended the debate",
    "argument_removed": "removed an argument",
    "argument_restored": "restored an argument",
    "member_warned": "warned a member",
    "member_muted": "muted a member",
    "member_unmuted": "unmuted a member",
    "debate_locked": "paused submissions",
    "debate_unlocked": "resumed submissions",
    "motion_added": "added a motion",
    "motion_removed": "removed a motion",
    "setting_changed": "changed a setting",
    "setting_reset": "reset a setting",
}


def audit_line(e: AuditEntry) -> str:
    """One audit event on one line: moderator, action, target, reason (or detail)."""
    if e.actor_id:
        who = f"<@{e.actor_id}>"
    elif e.action in (AuditAction.SETTING_CHANGED, AuditAction.SETTING_RESET):
        who = "the operator"
    else:
        who = "the bot (deadline)"
    target = []
    if e.target_user_id:
        target.append(f"<@{e.target_user_id}>")
    if e.target_argument:
        target.append(f"#{e.target_argument}")
    line = f"{who} {ACTION_NAMES.get(e.action, e.action)}"
    if target:
        line += " · " + ", ".join(target)
    if e.reason:
        line += f" · {one_line(e.reason, 200)}"
    elif e.detail:
        line += f" · {one_line(e.detail, 120)}"
    if e.debate_id:
        line += f" · debate #{e.debate_id}"
    return line


def audit_embed(page: AuditPage, scope: str) -> discord.Embed:
    """One page of the audit log: time, moderator, action, target, reason."""
    lines = [f"<t:{int(e.created_at.timestamp())}:f> {audit_line(e)}" for e in page.entries]
    embed = discord.Embed(
        title=f"Audit log · {scope}",
        description="\n".join(lines) or "Nothing recorded yet.",
        colour=discord.Colour.dark_grey(),
    )
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages} · {page.total} events")
    return fit(embed)


def summary_embed(summary: RenderedSummary) -> discord.Embed:
    """A summary rendered from a prompt template (or a checked model answer)."""
    embed = discord.Embed(
        title=summary.title, description=summary.text, colour=discord.Colour.teal()
    )
    source = "template" if summary.backend == "template" else "language model, checked"
    embed.set_footer(text=f"Summary · {summary.template} · {source}")
    return fit(embed)


def notice(text: str, *, colour: discord.Colour | None = None) -> discord.Embed:
    """A one-paragraph public notice (moderation, locks)."""
    return fit(discord.Embed(description=text, colour=colour or discord.Colour.orange()))


def settings_embed(entries: list[SettingEntry]) -> discord.Embed:
    """``/settings show``: every key, its value in this server and where it comes from."""
    lines = [
        f"`{e.key}` = {one_line(e.shown, 150)} · "
        + ("**this server**" if e.source == "server" else "default")
        for e in entries
    ]
    embed = discord.Embed(
        title="Settings of this server",
        description="\n".join(lines),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(
        text="Change one with /settings set, go back to the default with /settings reset. "
        "Defaults come from the bot's configuration file."
    )
    return fit(embed)
