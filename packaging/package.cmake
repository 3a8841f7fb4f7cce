# What `cmake --install` puts where, and the Debian package made of it (`--target package`).
#
# The units and the shipped ackd.yaml name /usr/bin/ackd and /etc/ackd, so the prefix defaults
# to /usr, for which GNUInstallDirs puts the configuration in /etc (not /usr/etc). Stage an
# install with DESTDIR: the /etc and unit paths are absolute, and `--prefix` does not move them.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(WARNING "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}, but ackd.service runs "
                  "/usr/bin/ackd with /etc/ackd/ackd.yaml")
endif()

# Debian 12 ships units in /lib/systemd/system (merged /usr makes it /usr/lib too).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ackd_unit_dir_default /lib/systemd/system)
else()
  set(ackd_unit_dir_default lib/systemd/system)
endif()
set(ACKD_SYSTEMD_UNIT_DIR ${ackd_unit_dir_default}
    CACHE STRING "Where the systemd units go (a relative path is under the prefix)")
set(ackd_config_dir ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ackd)
file(GLOB ackd_sample_policy CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/rules/*.yaml)

install(TARGETS ackd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/ackd.service systemd/ackd.socket DESTINATION ${ACKD_SYSTEMD_UNIT_DIR})
install(FILES systemd/ackd.yaml DESTINATION ${ackd_config_dir})
# The live policy is written by postinst at first installation (and never again), from this
# copy: an upgrade must not merge new sample rules into a production policy. Its tests too.
install(FILES packaging/policy/50-policy.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/ackd/policy)
install(DIRECTORY packaging/policy/tests DESTINATION ${CMAKE_INSTALL_DATADIR}/ackd)
# The complete sample policy, its tests and a sample complaint, to copy from.
install(FILES ${ackd_sample_policy} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/rules)
install(DIRECTORY rules/tests rules/samples DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/rules)
install(FILES contrib/prometheus/ackd-alerts.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ackd/prometheus)
install(FILES contrib/grafana/ackd.json DESTINATION ${CMAKE_INSTALL_DATADIR}/ackd/grafana)
# The editor schemas (README, "Editing a policy").
install(FILES schema/policy.schema.json schema/ackd.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ackd/schema)
install(FILES README.md docs/policy.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The manual pages, compressed as Debian's policy asks.
foreach(page ackd.1 ackd-policy.5)
  string(REGEX REPLACE ".*\\." "" section ${page})
  set(compressed ${PROJECT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${compressed}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND sh -c "gzip -9nc '${PROJECT_SOURCE_DIR}/docs/man/${page}' > '${compressed}'"
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/${page} VERBATIM)
  list(APPEND ackd_man_pages ${compressed})
  install(FILES ${compressed} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${ackd_man_pages})
# ackd answering on the platforms itself, with the unit's drop-in for its credentials.
install(FILES systemd/ackd.platforms.yaml systemd/ackd-platforms.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# Every file the package puts under /etc is a conffile, so that dpkg keeps an operator's
# edits on upgrade.
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/packaging/debian/conffiles
     CONTENT "${ackd_config_dir}/ackd.yaml\n" @ONLY)

set(ACKD_PACKAGE_MAINTAINER "ackd maintainers <ackd@localhost>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ackd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "acknowledges customer complaints and hands them to teams")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "ackd answers customer complaints from social networks, chat and e-mail with a safe "
       "first acknowledgement chosen by a YAML policy, and hands every case to a human team "
       "with a deadline on that team's business-hours calendar.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${ACKD_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Time zones are read from /usr/share/zoneinfo; sqlite3 makes online backups.
set(CPACK_DEBIAN_PACKAGE_DEPENDS tzdata)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS sqlite3)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_BINARY_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
