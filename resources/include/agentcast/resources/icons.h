#pragma once
// The apps' icons, embedded as Qt resources under :/icons/ (see resources/CMakeLists.txt).

#include <QtCore/QString>
#include <QtCore/QtGlobal>
#include <QtGui/QIcon>

// Q_INIT_RESOURCE declares the initializer in the namespace it is called from, so it has to
// be called outside any namespace.
inline void agentcast_resources_register_icons() {
  Q_INIT_RESOURCE(agentcast_icons);
}

namespace agentcast::resources {

// Only for a program that links libagentcast_resources.a without CMake: linked through
// agentcast::resources, the icons register themselves before main(). Calling it twice, or
// after they registered themselves, does nothing more.
inline void init_icons() {
  ::agentcast_resources_register_icons();
}

// Every size of one app's icon, so that the window manager and the task switcher each
// pick the sharpest: `app` is "agentcast-sender" or "agentcast-viewer". Null for any other
// name. Needs a QGuiApplication before it is shown, as every QIcon does.
QIcon app_icon(const QString& app);

}  // namespace agentcast::resources
