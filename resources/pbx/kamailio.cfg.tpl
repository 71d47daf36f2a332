#!KAMAILIO
#
# Switchboard PBX: Kamailio (Debian 5.6) as SIP registrar/proxy for the softphone.
# Rendered by src/server/pbx/config.ts; do not edit the rendered copy in the runtime folder.
#
#   {{SIP_PORT}}    UDP + TCP for gateways and load tools (sipp)
#   {{WS_PORT}}     SIP over WebSocket (ws://) for the softphone (JsSIP)
#   {{WSS_PORT}}    SIP over secure WebSocket (wss://), only when a certificate is configured
#   {{RPC_PORT}}    JSON-RPC over HTTP (POST /RPC), loopback only: the central service manages SIP users here
#   {{ROUTING_URL}} queue routing service (GET ?queue=&caller=&callid=[&retry=1] -> body: agent SIP user on
#                   the first line, ring timeout in seconds on the second)
#   {{EVENTS_URL}}  call events of the routing service (POST {callId, event}), told when a caller gives up
#   {{RTPENGINE_SOCK}} rtpengine's ng control socket (udp:127.0.0.1:PORT): media bridging WebRTC <-> plain RTP
#   {{PROMPTS_DIR}} hold music and announcements for waiting callers (src/server/pbx/prompts.ts)
#   WITH_CALLBACK   waiting callers are offered the callback key: rtpengine reports their keys to a relay
#                   beside it (src/server/pbx/dtmf-callback.ts) that books the callback with the service
#
# Packages: kamailio kamailio-websocket-modules kamailio-utils-modules (http_client),
#           kamailio-tls-modules (only for wss), rtpengine-daemon (media, started beside Kamailio).
# Runtime folder {{RUN_DIR}} holds the rendered configuration, pid file and control socket.

####### Defines #######
#!define SB_DOMAIN "{{DOMAIN}}"
#!define SB_RPC_PORT {{RPC_PORT}}
#!define SB_WS_PORT {{WS_PORT}}
{{#ROUTING}}
#!define WITH_QUEUE_ROUTING
#!define SB_ROUTING_URL "{{ROUTING_URL}}"
{{/ROUTING}}
{{#SECRET}}
#!define SB_SECRET_HEADER "{{SECRET_HEADER}}"
{{/SECRET}}
{{#EVENTS}}
#!define WITH_CALL_EVENTS
#!define SB_EVENTS_URL "{{EVENTS_URL}}"
{{/EVENTS}}
{{#MEDIA}}
#!define WITH_MEDIA
{{/MEDIA}}
{{#QUEUE_WAIT}}
#!define WITH_QUEUE_WAIT
#!define SB_PROMPTS "{{PROMPTS_DIR}}"
{{/QUEUE_WAIT}}
{{#CALLBACK}}
#!define WITH_CALLBACK
{{/CALLBACK}}
{{#WSS}}
#!define WITH_WSS
#!define SB_WSS_PORT {{WSS_PORT}}
{{/WSS}}

####### Global parameters #######
debug={{LOG_LEVEL}}
log_stderror=yes
log_prefix="{$mt $hdr(CSeq) $ci} "
memdbg=5
memlog=5
children={{CHILDREN}}
tcp_children={{CHILDREN}}
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=no
server_header="Server: Switchboard PBX"
user_agent_header="User-Agent: Switchboard PBX"

# Loopback only: this process never listens on another address.
listen=udp:127.0.0.1:{{SIP_PORT}}
listen=tcp:127.0.0.1:{{SIP_PORT}}
listen=tcp:127.0.0.1:{{WS_PORT}}
listen=tcp:127.0.0.1:{{RPC_PORT}}
# The alias carries the port: a port-less alias breaks loose_route() (ENVIRONMENT.md).
alias="127.0.0.1:{{SIP_PORT}}"
alias="127.0.0.1:{{WS_PORT}}"

#!ifdef WITH_WSS
enable_tls=yes
listen=tls:127.0.0.1:{{WSS_PORT}}
alias="127.0.0.1:{{WSS_PORT}}"
#!endif

# HTTP (WebSocket handshake, JSON-RPC) comes without Content-Length on requests.
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605
tcp_max_connections=4096

####### Modules #######
mpath="{{MODULES_DIR}}"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "auth.so"
loadmodule "htable.so"
loadmodule "nathelper.so"
loadmodule "xhttp.so"
loadmodule "jsonrpcs.so"
#!ifdef WITH_WSS
loadmodule "tls.so"
#!endif
loadmodule "websocket.so"
#!ifdef WITH_QUEUE_ROUTING
loadmodule "http_client.so"
#!endif
#!ifdef WITH_MEDIA
loadmodule "rtpengine.so"
#!endif
#!ifdef WITH_QUEUE_WAIT
loadmodule "rtimer.so"
#!endif

####### Module parameters #######
# kamcmd -s unix:{{RUN_DIR}}/kamailio_ctl ... works for debugging.
modparam("ctl", "binrpc", "unix:{{RUN_DIR}}/kamailio_ctl")

# JSON-RPC only over HTTP (no FIFO in a system folder).
modparam("jsonrpcs", "transport", 1)

modparam("tm", "failure_reply_mode", 3)
modparam("tm", "fr_timer", 30000)
modparam("tm", "fr_inv_timer", 120000)
# The ring timeout of a queue call counts from the phone's first provisional reply; a phone that repeats
# 180 Ringing must not restart it, or the next agent would never be tried.
modparam("tm", "restart_fr_on_each_reply", 0)

modparam("rr", "enable_full_lr", 0)
modparam("rr", "append_fromtag", 1)

# Registrations in memory only; the softphone re-registers after a restart.
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 30)
modparam("registrar", "gruu_enabled", 0)

# SIP users: username -> HA1 = md5(username:realm:password), filled at run time over JSON-RPC
# (htable.sets sipusers <user> <ha1>; htable.delete sipusers <user>). No entry, no registration.
modparam("htable", "htable", "sipusers=>size=10;autoexpire=0;")

modparam("auth", "nonce_expire", 300)

modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")
modparam("nathelper", "natping_interval", 0)

modparam("websocket", "keepalive_mechanism", 1)
modparam("websocket", "keepalive_timeout", 30)
modparam("websocket", "keepalive_interval", 5)

#!ifdef WITH_WSS
modparam("tls", "config", "{{TLS_CONFIG}}")
#!endif

#!ifdef WITH_QUEUE_ROUTING
modparam("http_client", "connection_timeout", 2)
modparam("http_client", "keep_connections", 1)
# The whole body: the routing answer has the agent on its first line and the ring timeout on the second.
modparam("http_client", "query_result", 0)
#!endif

#!ifdef WITH_MEDIA
modparam("rtpengine", "rtpengine_sock", "{{RTPENGINE_SOCK}}")
modparam("rtpengine", "rtpengine_tout_ms", 2000)
# SDP in and out through variables, not the message body: the same code then serves a relayed request, a
# relayed reply and the 183 Kamailio itself sends to a waiting caller (route MEDIA_OFFER / MEDIA_ANSWER).
modparam("rtpengine", "read_sdp_pv", "$var(sb_sdp_in)")
modparam("rtpengine", "write_sdp_pv", "$var(sb_sdp_out)")
#!endif

#!ifdef WITH_QUEUE_WAIT
# Waiting callers (route HOLD_LEG): sbwait holds each suspended hold leg (Call-ID -> "index:label" of its
# transaction), sbhold its state (Call-ID::field). One timer process asks the service about all of them every
# second (route HOLD_TICK), never holding a SIP worker while a caller waits.
modparam("htable", "htable", "sbwait=>size=8;autoexpire=3700;")
modparam("htable", "htable", "sbhold=>size=10;autoexpire=3700;")
modparam("rtimer", "timer", "name=sbhold;interval=1;mode=1;")
modparam("rtimer", "exec", "timer=sbhold;route=HOLD_TICK")
modparam("rtpengine", "media_duration", "$avp(sb_media_ms)")
#!endif

####### Routing logic #######

request_route {
	route(REQINIT);

	# SIP over WebSocket: the client's Contact is not reachable as written (RFC 7118).
	if (nat_uac_test("64")) {
		force_rport();
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (!add_contact_alias()) {
			xlog("L_ERR", "cannot add contact alias from $si:$sp\n");
			sl_send_reply("400", "Bad Request");
			exit;
		}
	}

	if (is_method("CANCEL")) {
		if (t_check_trans()) {
#!ifdef WITH_MEDIA
			rtpengine_delete();
#!endif
			route(RELAY);
		}
		exit;
	}

#!ifdef WITH_QUEUE_WAIT
	# The hold leg of a waiting caller: Kamailio's own INVITE to itself (route QUEUE_HOLD).
	if (is_method("INVITE") && !has_totag() && $rU =~ "^hold-8[0-9]{3}$" && $si == "127.0.0.1"
			&& $sp == {{SIP_PORT}} && $pr == "udp") {
		route(HOLD_LEG);
		exit;
	}
#!endif

	route(WITHINDLG);

	# Retransmissions of initial requests.
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}

	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "OK");
		exit;
	}

	if (is_method("REGISTER")) {
		route(REGISTRAR);
		exit;
	}

	route(AUTH);

	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE")) {
		record_route();
	}

	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}

	if ($rU =~ "^8[0-9]{3}$") {
		route(QUEUE);
		exit;
	}

	route(LOCATION);
}

route[REQINIT] {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed SIP request from $si:$sp\n");
		exit;
	}
}

route[WITHINDLG] {
	if (!has_totag()) return;

	if (loose_route()) {
		if (!isdsturiset()) {
			handle_ruri_alias();
		}
#!ifdef WITH_MEDIA
		# The dialog's media goes through rtpengine (Record-Route parameter set on the initial INVITE).
		if (check_route_param("sbm=1")) {
			if (is_method("BYE")) {
				rtpengine_delete();
			} else if (is_method("INVITE|UPDATE")) {
				# A re-INVITE (hold, resume): the same bridging, by who sends it and to whom.
				$avp(sb_anchored) = 1;
				route(MEDIA_DIRECTION);
				$var(sb_branch_flags) = "";
				if (has_body("application/sdp")) {
					route(MEDIA_OFFER);
				}
			}
		}
#!endif
		route(RELAY);
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) {
			route(RELAY);
		}
		exit;
	}
	sl_send_reply("404", "Not Here");
	exit;
}

# Digest authentication of the caller against $sht(sipusers=>user) (HA1).
# Unknown user and wrong password get the same 403, so users cannot be probed.
route[AUTH] {
	if (!is_present_hf("Proxy-Authorization")) {
		proxy_challenge(SB_DOMAIN, "1");
		exit;
	}
	if ($sht(sipusers=>$au) == $null) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	$var(rc) = pv_proxy_authenticate(SB_DOMAIN, "$sht(sipusers=>$au)", "1");
	if ($var(rc) == -4 || $var(rc) == -5 || $var(rc) == -6) {
		proxy_challenge(SB_DOMAIN, "1");
		exit;
	}
	if ($var(rc) < 0) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	if ($au != $fU) {
		sl_send_reply("403", "Forbidden (From user is not the authenticated user)");
		exit;
	}
	consume_credentials();
}

route[REGISTRAR] {
	if (!is_present_hf("Authorization")) {
		www_challenge(SB_DOMAIN, "1");
		exit;
	}
	if ($sht(sipusers=>$au) == $null) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	$var(rc) = pv_www_authenticate(SB_DOMAIN, "$sht(sipusers=>$au)", "1");
	if ($var(rc) == -4 || $var(rc) == -5 || $var(rc) == -6) {
		www_challenge(SB_DOMAIN, "1");
		exit;
	}
	if ($var(rc) < 0) {
		sl_send_reply("403", "Forbidden");
		exit;
	}
	if ($au != $tU) {
		sl_send_reply("403", "Forbidden (To user is not the authenticated user)");
		exit;
	}
	consume_credentials();
	# One phone per user: the newest registration replaces older contacts (0x04), so a reloaded
	# softphone does not leave a stale contact that calls would be sent to.
	if (!save("location", "0x04")) {
		sl_reply_error();
	}
}

route[LOCATION] {
	if ($sht(sipusers=>$rU) == $null) {
		send_reply("404", "Not Found");
		exit;
	}
	if (!lookup("location")) {
		send_reply("480", "Temporarily Unavailable");
		exit;
	}
#!ifdef WITH_MEDIA
	# A WebRTC phone and a plain-RTP endpoint cannot talk directly: rtpengine bridges them. Two WebRTC
	# phones (or two plain SIP phones) keep their media to themselves.
	if (is_method("INVITE")) {
		route(MEDIA_DIRECTION);
		if ($avp(sb_src_ws) != $avp(sb_dst_ws)) {
			route(MEDIA_ANCHOR);
		}
	}
#!endif
	route(RELAY);
}

# Calls to a queue number (8xxx): the routing service picks the agent; an agent who does not take the call
# within the queue's ring timeout (or refuses it) is replaced by the next one the service picks.
route[QUEUE] {
#!ifdef WITH_QUEUE_ROUTING
	# Only calls are routed: anything else would reserve an agent for a call that never comes.
	if (!is_method("INVITE")) {
		append_to_reply("Allow: INVITE\r\n");
		send_reply("405", "Method Not Allowed");
		exit;
	}
	# Create the transaction before asking the routing service: a retransmitted INVITE that arrives while
	# the (blocking) HTTP query runs is then absorbed instead of being routed again as a second call.
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	t_reply("100", "Trying");
	# Kept with the transaction for the failure route, where the Request-URI is the agent's phone.
	$avp(sb_queue) = $rU;
	$avp(sb_caller) = $fU;
	# A queue call may ring several agents in turn, each for the queue's ring timeout: tm's default limit of
	# 180 s for a whole INVITE transaction would cut the later ones short.
	t_set_max_lifetime(3600000, 0);
	append_hf("X-Switchboard-Queue: $rU\r\n");
#!ifdef WITH_MEDIA
	# Queue calls always go through rtpengine, whatever the agent's phone: it plays to a waiting caller and
	# bridges the caller with whichever agent takes the call.
	route(MEDIA_SRC);
	route(MEDIA_ANCHOR);
#!endif
	$var(sb_retry) = "";
	$var(sb_prefetched) = 0;
	route(QUEUE_OFFER);
	exit;
#!else
	send_reply("503", "Queue Routing Not Configured");
	exit;
#!endif
}

#!ifdef WITH_QUEUE_ROUTING
# $var(sb_hdrs): the headers every request to the service carries; with SWITCHBOARD_PBX_SECRET set on the
# service, its shared secret (the service refuses the PBX's requests without it).
route[SERVICE_HEADERS] {
#!ifdef SB_SECRET_HEADER
	$var(sb_hdrs) = SB_SECRET_HEADER;
#!else
	$var(sb_hdrs) = "";
#!endif
}

# Ask the routing service for an agent and ring their phone. $var(sb_retry) is "&retry=1" once an agent of
# this call did not take it. An agent without a registered phone counts as not taking it, so the loop asks
# again; the service never offers a call twice to the same agent, so it ends with an agent or with none.
route[QUEUE_OFFER] {
	$var(sb_asks) = 0;
#!ifdef WITH_QUEUE_WAIT
	# This Kamailio keeps callers waiting when nobody is free (the service then answers "wait").
	$var(sb_waitp) = "&wait=1";
#!else
	$var(sb_waitp) = "";
#!endif
	while ($var(sb_asks) < 50) {
		$var(sb_asks) = $var(sb_asks) + 1;
		if ($var(sb_prefetched) == 1) {
			# The hold leg got the agent from the service (route HOLD_POLL): ring them.
			$var(sb_prefetched) = 0;
			$var(sb_code) = 200;
		} else {
		$var(sb_body) = "";
		route(SERVICE_HEADERS);
		$var(sb_code) = http_client_query(SB_ROUTING_URL + "?queue=$(avp(sb_queue){s.escape.param})&caller=$(avp(sb_caller){s.escape.param})&callid=$(ci{s.escape.param})" + $var(sb_retry) + $var(sb_waitp), "", "$var(sb_hdrs)", "$var(sb_body)");
		}
		$var(sb_agent) = "";
		if ($var(sb_code) == 200 && $(var(sb_body){line.count}) > 0) {
			$var(sb_agent) = $(var(sb_body){line.at,0}{s.trim});
		}
#!ifdef WITH_QUEUE_WAIT
		if ($var(sb_code) == 200 && $var(sb_agent) == "wait") {
			route(QUEUE_HOLD);
			exit;
		}
#!endif
		if ($var(sb_code) == 204 || $var(sb_code) == 404 || ($var(sb_code) == 200 && $var(sb_agent) == "")) {
			xlog("L_INFO", "queue $avp(sb_queue): no agent available\n");
			route(MEDIA_END);
			t_reply("480", "No Agent Available");
			exit;
		}
		if ($var(sb_code) != 200 || !($var(sb_agent) =~ "^[A-Za-z0-9._-]+$")) {
			xlog("L_ERR", "queue $avp(sb_queue): routing service answered $var(sb_code)\n");
			route(MEDIA_END);
			t_reply("503", "Queue Routing Unavailable");
			exit;
		}
		# From here on, asking again means this agent did not take the call.
		$var(sb_retry) = "&retry=1";
		if (t_is_canceled()) {
			route(QUEUE_ABANDONED);
			route(MEDIA_END);
			t_reply("487", "Request Terminated");
			exit;
		}
		$var(sb_ring) = 0;
		if ($(var(sb_body){line.count}) > 1) {
			$var(sb_ring) = $(var(sb_body){line.at,1}{s.trim}{s.int});
		}
		# Without a ring timeout from the service: tm's own no-answer timeout for a phone.
		if ($var(sb_ring) < 1 || $var(sb_ring) > 600) {
			$var(sb_ring) = 30;
		}
		$ru = "sip:" + $var(sb_agent) + "@" + SB_DOMAIN;
		if ($sht(sipusers=>$var(sb_agent)) != $null && lookup("location")) {
			xlog("L_INFO", "queue $avp(sb_queue) -> agent $var(sb_agent), ringing $var(sb_ring) s\n");
			# Both timers: fr_inv after the phone's first provisional reply, fr until then.
			t_set_fr($var(sb_ring) * 1000, $var(sb_ring) * 1000);
			t_on_failure("QUEUE_FAILOVER");
			t_on_reply("REPLY");
#!ifdef WITH_MEDIA
			t_on_branch("MEDIA_BRANCH");
#!endif
			if (t_relay()) {
				return;
			}
			xlog("L_WARN", "queue $avp(sb_queue): cannot reach the phone of agent $var(sb_agent)\n");
		} else {
			xlog("L_INFO", "queue $avp(sb_queue): agent $var(sb_agent) has no registered phone\n");
		}
	}
	route(MEDIA_END);
	t_reply("480", "No Agent Available");
	exit;
}

failure_route[QUEUE_FAILOVER] {
	if (t_is_canceled()) {
		route(QUEUE_ABANDONED);
		route(MEDIA_END);
		exit;
	}
#!ifdef WITH_QUEUE_WAIT
	# The hold leg ended: the service named an agent (ring them), or ended the wait (its reply goes on).
	if ($T_rpl($hdr(X-Switchboard-Agent)) != $null) {
		$var(sb_body) = $T_rpl($hdr(X-Switchboard-Agent)) + "\n" + $T_rpl($hdr(X-Switchboard-Ring)) + "\n";
		$var(sb_prefetched) = 1;
		$var(sb_retry) = "";
		route(QUEUE_OFFER);
		return;
	}
	if ($T_rpl($hdr(X-Switchboard-Wait)) != $null) {
		route(MEDIA_END);
		return;
	}
#!endif
	# Timed out (408), refused or unreachable: the next agent. Any other failure goes to the caller as is.
	if (t_branch_timeout() || t_check_status("^(404|408|410|477|480|486|500|503|600|603)$")) {
		xlog("L_INFO", "queue $avp(sb_queue): agent did not take the call ($T_reply_code), asking for the next\n");
		$var(sb_retry) = "&retry=1";
		route(QUEUE_OFFER);
		return;
	}
	route(MEDIA_END);
}

#!ifdef WITH_QUEUE_WAIT
# Nobody is free: the caller waits. rtpengine cannot answer a call by itself (and Kamailio's rtpengine module
# refuses rtpengine_answer() on an INVITE), so the caller's INVITE gets a branch to a callee that exists only
# for the wait: Kamailio itself, at sip:hold-<queue>@ this address (route HOLD_LEG). That leg answers with
# 183 Session Progress and a plain-RTP SDP that takes G.711 and sends nothing (port 9, discard); the caller's
# transaction puts rtpengine in between both ways as for any branch (branch_route MEDIA_BRANCH, onreply_route
# REPLY), so the caller gets early media from rtpengine and play_media can play to them. The hold leg is
# suspended once; a timer process polls the service for every waiting call each second (route HOLD_TICK; no
# SIP worker is held) and ends the leg with a final reply the caller's failure route reads: X-Switchboard-Agent (ring that agent) or X-Switchboard-Wait
# (the service ended the wait: 480, or 503 when it failed). A CANCEL of the caller cancels the hold leg too
# (its 487 reaches failure_route[QUEUE_FAILOVER], which reports the abandoned call).
route[QUEUE_HOLD] {
	xlog("L_INFO", "queue $avp(sb_queue): nobody free, the caller waits\n");
	$ru = "sip:hold-" + $avp(sb_queue) + "@127.0.0.1:{{SIP_PORT}}";
	$du = "sip:127.0.0.1:{{SIP_PORT}};transport=udp";
	# fr: the hold leg's 183 comes at once; fr_inv: the wait itself, up to the transaction's hour.
	t_set_fr(3600000, 5000);
	t_on_failure("QUEUE_FAILOVER");
	t_on_reply("REPLY");
	t_on_branch("MEDIA_BRANCH");
	if (!t_relay()) {
		route(MEDIA_END);
		t_reply("500", "Cannot Keep The Caller Waiting");
	}
}

route[HOLD_LEG] {
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	t_set_max_lifetime(3600000, 0);
	set_reply_body("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n", "application/sdp");
	t_reply("183", "Session Progress");
	# Suspended once for the whole wait: every suspension adds a blind branch to the transaction and tm allows
	# max_branches (12) of them, so a suspension per poll would end every wait after about ten seconds. The
	# blind branch times out like any other (fr 30 s by default): up to the transaction's hour instead.
	t_set_fr(3600000, 3600000);
	if (!t_suspend()) {
		xlog("L_ERR", "queue: cannot suspend the hold leg\n");
		append_to_reply("X-Switchboard-Wait: failed\r\n");
		t_reply("500", "Cannot Keep The Caller Waiting");
		exit;
	}
	$sht(sbhold=>$ci::q) = $(rU{s.substr,5,0});
	$sht(sbhold=>$ci::c) = $fU;
	$sht(sbhold=>$ci::f) = $ft;
	$sht(sbhold=>$ci::step) = 0;
	$sht(sbhold=>$ci::until) = 0;
	$sht(sbhold=>$ci::said) = 0;
	$sht(sbhold=>$ci::cb) = 0;
	$sht(sbhold=>$ci::end) = 0;
	$sht(sbhold=>$ci::ti) = $T(id_index);
	$sht(sbhold=>$ci::tl) = $T(id_label);
	# Last: the timer takes up a call only once all of its state is there.
	$sht(sbwait=>$ci) = 1;
	exit;
}

# Every second, in the timer process: each waiting call is asked about (a poll: wait=1) and hears what comes
# next. The Call-IDs are read first and handled after the iterator ends (it holds the table's locks).
route[HOLD_TICK] {
	$var(sb_list) = "";
	$var(sb_n) = 0;
	sht_iterator_start("sbw", "sbwait");
	$var(sb_over) = 0;
	while (sht_iterator_next("sbw")) {
		if ($var(sb_n) < 500) {
			if ($var(sb_n) > 0) $var(sb_list) = $var(sb_list) + "|";
			$var(sb_list) = $var(sb_list) + $shtitkey(sbw);
			$var(sb_n) = $var(sb_n) + 1;
		} else {
			$var(sb_over) = $var(sb_over) + 1;
		}
	}
	sht_iterator_end("sbw");
	# One timer process serves at most 500 waiting callers a second; the service lets go of a caller it has not
	# heard about for 10 s, so more than that needs a second PBX (resources/pbx/README.md).
	if ($var(sb_over) > 0) xlog("L_WARN", "queue: $var(sb_over) waiting callers over the 500 polled each second\n");
	$var(sb_i) = 0;
	while ($var(sb_i) < $var(sb_n)) {
		$var(sb_ci) = $(var(sb_list){s.select,$var(sb_i),|});
		route(HOLD_POLL);
		$var(sb_i) = $var(sb_i) + 1;
	}
}

# One waiting call ($var(sb_ci)): ask the service, then play or end the hold leg.
route[HOLD_POLL] {
	$var(sb_q) = $sht(sbhold=>$var(sb_ci)::q);
	$var(sb_ft) = $sht(sbhold=>$var(sb_ci)::f);
	if ($sht(sbwait=>$var(sb_ci)) == $null || $var(sb_q) == $null || $var(sb_ft) == $null) return;
#!ifdef WITH_CALLBACK
	# A callback was booked: the confirmation is playing; the leg ends when it is over.
	if ($sht(sbhold=>$var(sb_ci)::end) > 0) {
		if ($TV(s) >= $sht(sbhold=>$var(sb_ci)::end)) {
			$sht(sbhold=>$var(sb_ci)::res) = "booked";
			route(HOLD_FINISH);
		}
		return;
	}
#!endif
	$var(sb_body) = "";
	route(SERVICE_HEADERS);
	$var(sb_code) = http_client_query(SB_ROUTING_URL + "?queue=$(var(sb_q){s.escape.param})&caller=$(sht(sbhold=>$var(sb_ci)::c){s.escape.param})&callid=$(var(sb_ci){s.escape.param})&wait=1", "", "$var(sb_hdrs)", "$var(sb_body)");
	$var(sb_agent) = "";
	if ($var(sb_code) == 200 && $(var(sb_body){line.count}) > 0) {
		$var(sb_agent) = $(var(sb_body){line.at,0}{s.trim});
	}
	if ($var(sb_code) == 200 && $var(sb_agent) == "wait") {
		$sht(sbhold=>$var(sb_ci)::pos) = $(var(sb_body){line.at,1}{s.trim}{s.int});
		$sht(sbhold=>$var(sb_ci)::eta) = $(var(sb_body){line.at,2}{s.trim}{s.int});
		# A fourth line "1": the service makes callback tickets, so the caller may be offered the key.
		$sht(sbhold=>$var(sb_ci)::cb) = 0;
#!ifdef WITH_CALLBACK
		if ($(var(sb_body){line.count}) > 3) {
			$sht(sbhold=>$var(sb_ci)::cb) = $(var(sb_body){line.at,3}{s.trim}{s.int});
		}
#!endif
		route(HOLD_PLAY);
		return;
	}
	stop_media("call-id=$var(sb_ci) from-tag=$var(sb_ft)");
#!ifdef WITH_CALLBACK
	# Let go with a callback booked (the caller's key, or the queue's maximum wait): say so, then end.
	if ($var(sb_code) == 404 && $(var(sb_body){line.count}) > 0) {
		if ($(var(sb_body){line.at,0}{s.trim}) == "callback") {
			xlog("L_INFO", "queue $var(sb_q): callback booked for $var(sb_ci), the caller is told and let go\n");
			$var(sb_file) = SB_PROMPTS + "/callback-booked.wav";
			$avp(sb_media_ms) = -1;
			$var(sb_secs) = 0;
			if (play_media("call-id=$var(sb_ci) from-tag=$var(sb_ft) file=$var(sb_file)")) {
				if ($avp(sb_media_ms) > 0) $var(sb_secs) = ($avp(sb_media_ms) + 999) / 1000;
			}
			$sht(sbhold=>$var(sb_ci)::end) = $TV(s) + $var(sb_secs) + 1;
			return;
		}
	}
#!endif
	if ($var(sb_code) == 204 || $var(sb_code) == 404 || ($var(sb_code) == 200 && $var(sb_agent) == "")) {
		$sht(sbhold=>$var(sb_ci)::res) = "ended";
	} else if ($var(sb_code) != 200 || !($var(sb_agent) =~ "^[A-Za-z0-9._-]+$")) {
		xlog("L_ERR", "queue $var(sb_q): routing service answered $var(sb_code) to a waiting call\n");
		$sht(sbhold=>$var(sb_ci)::res) = "failed";
	} else {
		$sht(sbhold=>$var(sb_ci)::res) = "agent";
		$sht(sbhold=>$var(sb_ci)::ext) = $var(sb_agent);
		$sht(sbhold=>$var(sb_ci)::ring) = 0;
		if ($(var(sb_body){line.count}) > 1) {
			$sht(sbhold=>$var(sb_ci)::ring) = $(var(sb_body){line.at,1}{s.trim}{s.int});
		}
	}
	route(HOLD_FINISH);
}

# Resume the hold leg's transaction to send its final reply (route HOLD_END), and forget the call. A leg
# cancelled meanwhile (the caller hung up) is not resumed; it is forgotten all the same.
route[HOLD_FINISH] {
	$var(sb_idx) = $sht(sbhold=>$var(sb_ci)::ti);
	$var(sb_lbl) = $sht(sbhold=>$var(sb_ci)::tl);
	if (!t_continue("$var(sb_idx)", "$var(sb_lbl)", "HOLD_END")) {
		xlog("L_INFO", "queue: the hold leg of $var(sb_ci) is gone\n");
	}
	$sht(sbwait=>$var(sb_ci)) = $null;
	$sht(sbhold=>$var(sb_ci)::q) = $null;
	$sht(sbhold=>$var(sb_ci)::ti) = $null;
	$sht(sbhold=>$var(sb_ci)::tl) = $null;
	$sht(sbhold=>$var(sb_ci)::c) = $null;
	$sht(sbhold=>$var(sb_ci)::f) = $null;
	$sht(sbhold=>$var(sb_ci)::step) = $null;
	$sht(sbhold=>$var(sb_ci)::until) = $null;
	$sht(sbhold=>$var(sb_ci)::said) = $null;
	$sht(sbhold=>$var(sb_ci)::cb) = $null;
	$sht(sbhold=>$var(sb_ci)::end) = $null;
	$sht(sbhold=>$var(sb_ci)::pos) = $null;
	$sht(sbhold=>$var(sb_ci)::eta) = $null;
	$sht(sbhold=>$var(sb_ci)::res) = $null;
	$sht(sbhold=>$var(sb_ci)::ext) = $null;
	$sht(sbhold=>$var(sb_ci)::ring) = $null;
}

# In the hold leg's transaction: the final reply the caller's failure_route[QUEUE_FAILOVER] reads:
# X-Switchboard-Agent (ring that agent) or X-Switchboard-Wait (the service ended the wait: 480; failed: 503).
route[HOLD_END] {
	$var(sb_res) = $sht(sbhold=>$ci::res);
	if ($var(sb_res) == "agent") {
		append_to_reply("X-Switchboard-Agent: $sht(sbhold=>$ci::ext)\r\nX-Switchboard-Ring: $sht(sbhold=>$ci::ring)\r\n");
		t_reply("480", "Agent Found");
	} else if ($var(sb_res) == "booked") {
		append_to_reply("X-Switchboard-Wait: ended\r\n");
		t_reply("480", "Callback Booked");
	} else if ($var(sb_res) == "ended") {
		append_to_reply("X-Switchboard-Wait: ended\r\n");
		t_reply("480", "No Agent Available");
	} else {
		append_to_reply("X-Switchboard-Wait: failed\r\n");
		t_reply("503", "Queue Routing Unavailable");
	}
	exit;
}

# The next thing to hear, when the last one has ended: position, expected wait and the callback key when it
# is offered (English), the same in Mandarin, then music; again from the position. A new position interrupts
# the music. State in sbhold ($var(sb_ci)::step, ::until, ::said, ::pos, ::eta, ::cb).
route[HOLD_PLAY] {
	$var(sb_step) = $sht(sbhold=>$var(sb_ci)::step);
	$var(sb_pos) = $sht(sbhold=>$var(sb_ci)::pos);
	if ($TV(s) < $sht(sbhold=>$var(sb_ci)::until)) {
		if (!($var(sb_step) == 0 && $var(sb_pos) != $sht(sbhold=>$var(sb_ci)::said))) return;
		stop_media("call-id=$var(sb_ci) from-tag=$var(sb_ft)");
	}
	# Steps: 0 position, 1 wait, 2 callback key (English); 3, 4, 5 the same in Mandarin; 6 music.
	if (($var(sb_step) == 2 || $var(sb_step) == 5) && $sht(sbhold=>$var(sb_ci)::cb) != 1) $var(sb_step) = $var(sb_step) + 1;
	$var(sb_lang) = "en";
	if ($var(sb_step) >= 3 && $var(sb_step) <= 5) $var(sb_lang) = "zh";
	if ($var(sb_step) == 0 || $var(sb_step) == 3) {
		$sht(sbhold=>$var(sb_ci)::said) = $var(sb_pos);
		$var(sb_name) = "pos-more";
		if ($var(sb_pos) >= 1 && $var(sb_pos) <= {{MAX_POSITION}}) $var(sb_name) = "pos-" + $var(sb_pos);
		$var(sb_file) = SB_PROMPTS + "/" + $var(sb_lang) + "/" + $var(sb_name) + ".wav";
	} else if ($var(sb_step) == 1 || $var(sb_step) == 4) {
		$var(sb_min) = ($sht(sbhold=>$var(sb_ci)::eta) + 59) / 60;
		$var(sb_name) = "wait-more";
		if ($var(sb_min) >= 0 && $var(sb_min) <= {{MAX_WAIT_MINUTES}}) $var(sb_name) = "wait-" + $var(sb_min);
		$var(sb_file) = SB_PROMPTS + "/" + $var(sb_lang) + "/" + $var(sb_name) + ".wav";
	} else if ($var(sb_step) == 2 || $var(sb_step) == 5) {
		$var(sb_file) = SB_PROMPTS + "/" + $var(sb_lang) + "/callback-offer.wav";
	} else {
		$var(sb_file) = SB_PROMPTS + "/music-hold.wav";
	}
	$avp(sb_media_ms) = -1;
	if (!play_media("call-id=$var(sb_ci) from-tag=$var(sb_ft) file=$var(sb_file)")) {
		xlog("L_WARN", "queue $var(sb_q): rtpengine cannot play $var(sb_file)\n");
	}
	$var(sb_secs) = 5;
	if ($avp(sb_media_ms) > 0) $var(sb_secs) = ($avp(sb_media_ms) + 999) / 1000;
	$sht(sbhold=>$var(sb_ci)::until) = $TV(s) + $var(sb_secs);
	$var(sb_step) = $var(sb_step) + 1;
	if ($var(sb_step) > 6) $var(sb_step) = 0;
	$sht(sbhold=>$var(sb_ci)::step) = $var(sb_step);
}
#!endif

# The caller gave up before an agent answered: the service frees the ringing agent at once instead of
# waiting for its ring timeout.
route[QUEUE_ABANDONED] {
#!ifdef WITH_CALL_EVENTS
	# A Call-ID may hold quotes and backslashes (RFC 3261 word): those calls are left to the service's timeout
	# rather than escaped into JSON here.
	if (!($ci =~ "^[^\"\\]+$")) {
		return;
	}
	route(SERVICE_HEADERS);
	# One header string: http_client hands it to curl as one line, so a second header rides after a CRLF.
	if ($var(sb_hdrs) == "") {
		$var(sb_hdrs) = "Content-Type: application/json";
	} else {
		$var(sb_hdrs) = "Content-Type: application/json\r\n" + $var(sb_hdrs);
	}
	$var(sb_code) = http_client_query(SB_EVENTS_URL, "{\"callId\":\"$ci\",\"event\":\"abandoned\"}", "$var(sb_hdrs)", "$var(sb_ignored)");
	if ($var(sb_code) != 200) {
		xlog("L_WARN", "queue call abandoned, the service answered $var(sb_code)\n");
	}
#!else
	xlog("L_INFO", "queue call abandoned; the routing service notices by its ring timeout\n");
#!endif
}
#!endif

route[RELAY] {
	if (is_method("INVITE|BYE|UPDATE|CANCEL|ACK")) {
		t_on_reply("REPLY");
	}
#!ifdef WITH_MEDIA
	if (is_method("INVITE") && $avp(sb_anchored) == 1) {
		if (!has_totag()) {
			t_on_branch("MEDIA_BRANCH");
			t_on_failure("MEDIA_FAILURE");
		}
	}
#!endif
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

onreply_route[REPLY] {
	if (nat_uac_test("64")) {
		add_contact_alias();
	}
#!ifdef WITH_MEDIA
	# The callee's answer (early media or the final one) goes back through rtpengine to the offerer.
	if ($avp(sb_anchored) == 1 && is_method("INVITE|UPDATE") && status =~ "^(18[03]|2[0-9][0-9])$"
			&& has_body("application/sdp")) {
		$avp(sb_dst_ws) = 0;
		if ($pr == "ws" || $pr == "wss") $avp(sb_dst_ws) = 1;
		route(MEDIA_ANSWER);
	}
#!endif
}

#!ifdef WITH_MEDIA
# $avp(sb_src_ws): the request came over a WebSocket (a WebRTC phone); $avp(sb_dst_ws): it goes to one
# ($du or the Request-URI of the branch says transport=ws/wss).
route[MEDIA_DIRECTION] {
	route(MEDIA_SRC);
	route(MEDIA_DST);
}

route[MEDIA_SRC] {
	$avp(sb_src_ws) = 0;
	if ($pr == "ws" || $pr == "wss") $avp(sb_src_ws) = 1;
}

route[MEDIA_DST] {
	$avp(sb_dst_ws) = 0;
	if (isdsturiset()) {
		if ($du =~ ";transport=wss?") $avp(sb_dst_ws) = 1;
	} else if ($ru =~ ";transport=wss?") {
		$avp(sb_dst_ws) = 1;
	}
}

# The dialog's media goes through rtpengine: in-dialog requests carry the mark in their Route header.
route[MEDIA_ANCHOR] {
	$avp(sb_anchored) = 1;
	add_rr_param(";sbm=1");
}

# Flags by direction. A WebRTC side needs ICE, DTLS-SRTP (rtpengine passive: the browser starts the
# handshake), RTP/SAVPF and rtcp-mux; a plain SIP side gets RTP/AVP without ICE or crypto, and G.711 added
# to what a browser offers (rtpengine transcodes opus when the other side picks PCMU/PCMA).
route[MEDIA_FLAGS] {
	$var(sb_common) = "replace-origin replace-session-connection SDES-off";
	if ($var(sb_to_ws) == 1) {
		$var(sb_flags) = $var(sb_common) + " ICE=force RTP/SAVPF DTLS=passive rtcp-mux-offer rtcp-mux-require generate-mid";
	} else {
		$var(sb_flags) = $var(sb_common) + " ICE=remove RTP/AVP DTLS=off rtcp-mux-demux";
	}
	if ($var(sb_to_ws) == 0 && $var(sb_from_ws) == 1) {
		$var(sb_flags) = $var(sb_flags) + " codec-transcode-PCMU codec-transcode-PCMA";
	}
}

# Offer: from the request's sender to its destination. The request's own SDP in, rtpengine's out.
# $var(sb_branch_flags): " via-branch=auto-next" for the branches of an initial INVITE (below).
route[MEDIA_OFFER] {
	$var(sb_from_ws) = $avp(sb_src_ws);
	$var(sb_to_ws) = $avp(sb_dst_ws);
	route(MEDIA_FLAGS);
	$var(sb_flags) = $var(sb_flags) + $var(sb_branch_flags);
	$var(sb_branch_flags) = "";
	$var(sb_sdp_in) = $rb;
	$var(sb_sdp_out) = "";
	xlog("L_INFO", "media offer to $ru via $du: $var(sb_flags)\n");
	if (!rtpengine_offer("$var(sb_flags)")) {
		xlog("L_ERR", "rtpengine refused the offer ($var(sb_flags))\n");
		return -1;
	}
	set_body("$var(sb_sdp_out)", "application/sdp");
	return 1;
}

# Answer: from the reply's sender (the request's destination) back to the offerer.
route[MEDIA_ANSWER] {
	$var(sb_from_ws) = $avp(sb_dst_ws);
	$var(sb_to_ws) = $avp(sb_src_ws);
	route(MEDIA_FLAGS);
	# The answer of one branch of an initial INVITE: its media session (see branch_route MEDIA_BRANCH).
	if ($avp(sb_per_branch) == 1 && !has_totag()) {
		$var(sb_flags) = $var(sb_flags) + " via-branch=1";
	}
	$var(sb_sdp_in) = $rb;
	$var(sb_sdp_out) = "";
	xlog("L_INFO", "media answer $rs from $si:$sp: $var(sb_flags)\n");
	if (!rtpengine_answer("$var(sb_flags)")) {
		xlog("L_ERR", "rtpengine refused the answer ($var(sb_flags))\n");
		return -1;
	}
	set_body("$var(sb_sdp_out)", "application/sdp");
	return 1;
}

# Each branch of an anchored initial INVITE: its destination decides the flags, and it has a media session
# of its own in rtpengine (via-branch): a queue call's branches follow one another (the hold leg of a waiting
# caller, plain RTP; then a WebRTC agent, ICE and DTLS; then maybe the next agent) and must not share ports.
branch_route[MEDIA_BRANCH] {
	if ($avp(sb_anchored) != 1 || !has_body("application/sdp")) return;
	route(MEDIA_DST);
	$avp(sb_per_branch) = 1;
	$var(sb_branch_flags) = " via-branch=auto-next";
	route(MEDIA_OFFER);
}

failure_route[MEDIA_FAILURE] {
	route(MEDIA_END);
}
#!endif

# The call ends before it was answered: rtpengine forgets it (with media only).
route[MEDIA_END] {
#!ifdef WITH_MEDIA
	if ($avp(sb_anchored) == 1) {
		rtpengine_delete();
	}
#!endif
	return;
}

event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();

	if ($Rp == SB_RPC_PORT) {
		if ($si != "127.0.0.1") {
			xhttp_reply("403", "Forbidden", "text/plain", "loopback only\n");
			exit;
		}
		if ($hu =~ "^/RPC") {
			jsonrpc_dispatch();
			exit;
		}
		xhttp_reply("404", "Not Found", "text/plain", "JSON-RPC is at /RPC\n");
		exit;
	}

#!ifdef WITH_WSS
	if ($Rp == SB_WS_PORT || $Rp == SB_WSS_PORT) {
#!else
	if ($Rp == SB_WS_PORT) {
#!endif
		if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
			if (ws_handle_handshake()) {
				exit;
			}
		}
	}
	xhttp_reply("404", "Not Found", "text/plain", "Not Found\n");
}

event_route[websocket:closed] {
	xlog("L_INFO", "WebSocket connection from $si:$sp closed\n");
}
